"""Merging a users/delta round into the stored directory, read a row at a time: the same
directory as patching a whole copy, with only the changed users' properties kept."""

from __future__ import annotations

import random
from collections.abc import Mapping

from service.domain.directory import (
    DirectoryDelta,
    UserChange,
    UserValues,
    directory_user,
    merge_stream,
)


def whole_copy(known: Mapping[str, UserValues], delta: DirectoryDelta) -> dict[str, UserValues]:
    """The plain definition: a full read replaces, an incremental one patches a copy."""
    out: dict[str, UserValues] = {} if delta.full else {k: dict(v) for k, v in known.items()}
    for change in delta.changes:
        if change.removed:
            out.pop(change.id, None)
        else:
            out.setdefault(change.id, {}).update(change.values)
    return out


def check(known: dict[str, UserValues], delta: DirectoryDelta) -> None:
    expected = whole_copy(known, delta)
    rows = list(known.items())
    random.Random(len(rows)).shuffle(rows)  # any order of stored rows
    merged = merge_stream(iter(rows), delta)
    assert sorted(merged.users, key=lambda u: u.id) == sorted(
        (directory_user(uid, v) for uid, v in expected.items()), key=lambda u: u.id)
    changed = {uid for uid in known.keys() | expected.keys()
               if known.get(uid) != expected.get(uid)}
    assert set(merged.before) | set(merged.after) == changed
    assert merged.before == {uid: known[uid] for uid in changed if uid in known}
    assert merged.after == {uid: expected[uid] for uid in changed if uid in expected}


def user(n: int, manager: int | None = None, **more: object) -> UserValues:
    return {"display_name": f"User {n}", "mail": f"u{n}@contoso.example", "enabled": True,
            "manager_id": f"id{manager}" if manager is not None else None, **more}


def test_incremental_patches_changed_users_only() -> None:
    known = {f"id{n}": user(n, n // 3 or None) for n in range(1, 40)}
    delta = DirectoryDelta([
        UserChange("id5", {"manager_id": "id2"}),              # mover: only what changed
        UserChange("id6", removed=True),                        # leaver
        UserChange("id99", user(99, 1)),                        # joiner
        UserChange("id7", {"display_name": "User 7"}),          # told, but the same
        UserChange("id8", removed=True), UserChange("id8", user(8, 3)),  # gone and back
        UserChange("id9", {"enabled": False}), UserChange("id9", {"enabled": True}),
        UserChange("id404", removed=True),                      # never known
    ], "link", full=False)
    check(known, delta)
    merged = merge_stream(iter(known.items()), delta)
    assert set(merged.before) == {"id5", "id6", "id8"}
    assert set(merged.after) == {"id5", "id8", "id99"}
    assert merged.after["id5"]["mail"] == "u5@contoso.example"  # kept from the stored copy


def test_full_read_replaces_and_drops_the_unlisted() -> None:
    known = {f"id{n}": user(n, 1) for n in range(1, 10)}
    listed = [UserChange(uid, dict(v)) for uid, v in known.items() if uid != "id4"]
    listed[0] = UserChange("id1", {"display_name": "User 1"})  # only what it listed counts
    check(known, DirectoryDelta([*listed, UserChange("id50", user(50, 1))], "link", full=True))


def test_random_rounds_match_the_whole_copy() -> None:
    rng = random.Random(11)
    for _ in range(200):
        known = {f"id{n}": user(n, rng.choice([None, 1, 2]))
                 for n in rng.sample(range(30), rng.randrange(0, 15))}
        changes = []
        for _ in range(rng.randrange(0, 12)):
            uid = f"id{rng.randrange(40)}"
            if rng.random() < 0.3:
                changes.append(UserChange(uid, removed=True))
            else:
                changes.append(UserChange(uid, {rng.choice(["mail", "manager_id", "enabled"]):
                                                rng.choice([None, "x@contoso.example", "id1",
                                                            False, True])}))
        check(known, DirectoryDelta(changes, "link", full=rng.random() < 0.3))


def test_a_mailbox_purpose_is_kept_while_the_user_is_unchanged_and_dropped_when_changed(
        ) -> None:
    """What mailboxSettings said a mailbox is for stays through a full read that lists the
    user as they were (no read of everyone's mailbox again), and goes when the directory
    changes them, so it is read again (a leaver's mailbox made shared)."""
    from service.domain.directory import PURPOSE

    base = {"display_name": "HR", "mail": "hr@x.example", "enabled": True}
    known = {"a": {**base, PURPOSE: "shared"}, "b": {**base, "mail": "b@x.example",
                                                     PURPOSE: "user"}}
    full = DirectoryDelta([UserChange("a", base),
                           UserChange("b", {**base, "mail": "b@x.example",
                                            "display_name": "B Moved"})], "link", True)
    merged = merge_stream(iter(known.items()), full)
    purposes = {u.id: u.purpose for u in merged.users}
    assert purposes == {"a": "shared", "b": None}
    assert "a" not in merged.after and PURPOSE not in merged.after["b"]
    step = DirectoryDelta([UserChange("a", {"display_name": "HR"})], "link", False)
    assert next(u for u in merge_stream(iter(known.items()), step).users
                if u.id == "a").purpose == "shared"
