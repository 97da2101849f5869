"""Reconciling the pairs the sources describe with the stored pairings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain.model import CadenceKind, PairSpec, Person, pairing_key
from service.domain.pairing import CurrentPairing, PairAction, reconcile
from service.domain.policy import CadencePolicy

TODAY = date(2026, 10, 1)
NOON = datetime.combine(TODAY, time(12), UTC)
POLICY = CadencePolicy()
OLD_HIRE = date(2020, 1, 1)


def person(pid: str, hire: date | None = OLD_HIRE) -> Person:
    return Person(id=pid, email=f"{pid}@example.com", name=pid.title(), hire_date=hire)


ANN, BOB, CAT, DAN, EVE = (person(p) for p in ("ann", "bob", "cat", "dan", "eve"))


def pair(manager: Person, report: Person, **kw: object) -> PairSpec:
    return PairSpec(manager=manager, report=report, **kw)  # type: ignore[arg-type]


def stored(manager: Person, report: Person, cadence: CadenceKind = CadenceKind.MONTHLY,
           minutes: int = 30, status: str = "active") -> CurrentPairing:
    return CurrentPairing(key=pairing_key(manager.id, report.id), manager_id=manager.id,
                          report_id=report.id, cadence=cadence, minutes=minutes, status=status)


def run(desired: list[PairSpec], current: list[CurrentPairing],
        present: set[str] | None = None, today: date = TODAY) -> list[PairAction]:
    ids = present if present is not None else {p.id for p in (ANN, BOB, CAT, DAN, EVE)}
    return reconcile(desired, current, frozenset(ids), POLICY,
                     datetime.combine(today, time(), UTC))


def kinds(actions: list[PairAction]) -> list[tuple[str, str]]:
    return [(a.kind, a.key) for a in actions]


def test_joiner() -> None:
    """A desired pair with no stored pairing joins, with the chosen cadence in the reason."""
    spec = pair(ANN, BOB)
    [action] = run([spec], [])
    assert (action.kind, action.key, action.spec, action.current) == ("join", spec.key, spec,
                                                                      None)
    assert "monthly 30m" in action.reason


def test_keep_when_nothing_changed() -> None:
    """A stored pair with the same cadence and length is kept."""
    [action] = run([pair(ANN, BOB)], [stored(ANN, BOB)])
    assert action.kind == "keep" and action.current == stored(ANN, BOB)


def test_mover_is_one_action_carrying_both_pairings() -> None:
    """A report with a new manager is a single move: end the old pairing, create the new."""
    spec = pair(CAT, BOB)
    [action] = run([spec], [stored(ANN, BOB)])
    assert action.kind == "move" and action.key == spec.key
    assert action.spec == spec and action.current == stored(ANN, BOB)
    assert "from ann to Cat" in action.reason  # old manager known only by id here


def test_a_new_pair_waits_for_a_mailbox_an_existing_one_is_kept() -> None:
    """A pair not paired yet, one of whom has no mailbox, waits; one already paired is kept
    (its series is booked, or its failure told); a mover to a manager without a mailbox has
    the old pair ended all the same, and the new one waits."""
    now = datetime.combine(TODAY, time(), UTC)
    ids = frozenset(p.id for p in (ANN, BOB, CAT, DAN, EVE))
    actions = reconcile([pair(ANN, BOB), pair(ANN, CAT), pair(DAN, EVE)],
                        [stored(ANN, CAT), stored(CAT, EVE)], ids, POLICY, now,
                        no_mailbox={"bob", "cat", "dan"})
    by_key = {a.key: a for a in actions}
    waiting = by_key[pair(ANN, BOB).key]
    assert waiting.kind == "waiting" and waiting.current is None
    assert "waiting for Bob <bob@example.com>'s mailbox" in waiting.reason
    assert by_key[pair(ANN, CAT).key].kind == "keep"
    assert by_key[pair(DAN, EVE).key].kind == "waiting"
    moved = by_key[stored(CAT, EVE).key]
    assert (moved.kind, moved.reason) == ("unpaired", "Eve moved from Cat to Dan (directory)")


def test_leaver() -> None:
    """A report who left (not in present ids) has their pairing ended as a leaver."""
    [action] = run([], [stored(ANN, BOB)], present={"ann"})
    assert (action.kind, action.current) == ("leave", stored(ANN, BOB))


def test_unpaired_when_no_manager_any_more() -> None:
    """A report still present but with no manager in the sources is unpaired."""
    [action] = run([], [stored(ANN, BOB)])
    assert action.kind == "unpaired" and "no longer reports" in action.reason


def test_unpaired_when_manager_left() -> None:
    """A report whose manager left, with no new manager, is unpaired and told why."""
    [action] = run([], [stored(ANN, BOB)], present={"bob"})
    assert action.kind == "unpaired" and "left" in action.reason


def test_only_a_pair_no_longer_listed_while_both_are_here_is_unlisted() -> None:
    """What a source cut short looks like (domain/mass_end.py): a line gone from the file,
    someone out of the group scope. A leaver, a mover, a manager gone with no new one, or a
    report the directory gives no manager are what the directory tells of, and are not."""
    assert [a.unlisted for a in run([], [stored(ANN, BOB)], present={"ann"})] == [False]
    assert [a.unlisted for a in run([], [stored(ANN, BOB)], present={"bob"})] == [False]
    assert [a.unlisted for a in run([], [stored(ANN, BOB)])] == [False]
    assert [a.unlisted for a in run([pair(CAT, BOB)], [stored(ANN, BOB)])] == [False]
    # A pairs file alone: both still here, the line gone.
    [gone] = reconcile([], [stored(ANN, BOB)], frozenset(), POLICY, NOON,
                       whole_directory=False, still_here={"ann", "bob"}, pairs_file="p.csv")
    assert (gone.kind, gone.unlisted) == ("unpaired", True) and "p.csv" in gone.reason
    # Out of the group scope (still enabled in the directory).
    for out in ({"bob"}, {"ann"}):
        [scoped] = reconcile([], [stored(ANN, BOB)], frozenset({"ann", "bob"} - out), POLICY,
                             NOON, still_here=out)
        assert (scoped.kind, scoped.unlisted) == ("unpaired", True), out
        assert "no longer in scope" in scoped.reason


def test_a_file_cut_short_counts_pairs_whose_people_are_on_other_lines() -> None:
    """A chain of twelve pairs (p00 manages p01, who manages p02...) cut to four lines: the
    eight pairs gone are all no longer listed, though most of their people are still named
    on the lines kept, and the guard refuses the sync (half the pairs at most)."""
    from service.domain.mass_end import refusal

    people = [person(f"p{i:02d}") for i in range(13)]
    current = [stored(people[i], people[i + 1]) for i in range(12)]
    kept = [0, 2, 4, 6]
    present = frozenset(p.id for i in kept for p in (people[i], people[i + 1]))
    actions = reconcile([pair(people[i], people[i + 1]) for i in kept], current, present,
                        POLICY, NOON, whole_directory=False,
                        still_here={p.id for p in people} - present, pairs_file="p.csv")
    ends = [a for a in actions if a.kind == "unpaired"]
    assert len(ends) == 8 and all(a.unlisted for a in ends)
    said = refusal(actions, 12, None, 0, "p.csv")
    assert said is not None and "would end 8 of the 12 pairs" in said


def test_someone_excluded_on_purpose_is_not_a_source_cut_short() -> None:
    """[pairs] exclude takes the CEO out of a small organisation's directory sync: her two
    pairs end as the admin meant, not refused as a source that came back short."""
    from service.domain.mass_end import refusal

    ceo, mgr = person("ceo"), person("mgr")
    current = [stored(ceo, ANN), stored(ceo, BOB), stored(mgr, CAT)]
    actions = reconcile([pair(mgr, CAT)], current, frozenset({"ann", "bob", "mgr", "cat"}),
                        POLICY, NOON, still_here={"ceo"}, excluded={"ceo"})
    assert [(a.kind, a.unlisted) for a in actions if a.kind == "unpaired"] == [
        ("unpaired", False), ("unpaired", False)]
    assert refusal(actions, 3, None, 0, "the directory") is None


def test_recadence_when_new_starter_leaves_the_window() -> None:
    """A weekly new starter becomes monthly once past the new-starter window."""
    hired = TODAY - timedelta(days=91)
    report = person("bob", hire=hired)
    cur = stored(ANN, report, cadence=CadenceKind.WEEKLY)
    [action] = run([pair(ANN, report)], [cur])
    assert action.kind == "recadence"
    assert action.reason.startswith("weekly 30m → monthly 30m")
    [still] = run([pair(ANN, report)], [cur], today=TODAY - timedelta(days=1))
    assert still.kind == "keep"


def test_recadence_when_override_added() -> None:
    """A per-pair override of cadence or minutes added in the file triggers a recadence."""
    spec = pair(ANN, BOB, minutes=45, source="file pairs.csv:2")
    [action] = run([spec], [stored(ANN, BOB)])
    assert action.kind == "recadence" and "monthly 45m" in action.reason


def test_series_deleted_is_blocked_not_recreated() -> None:
    """A pair whose series the manager deleted is reported as blocked, not recreated."""
    cur = stored(ANN, BOB, status="series_deleted")
    [action] = run([pair(ANN, BOB)], [cur])
    assert action.kind == "blocked" and action.current == cur
    assert "deleted" in action.reason and "onetoone pairs reset bob@example.com" in action.reason


def test_series_deleted_pairing_is_ended_when_the_report_moves() -> None:
    """A deleted-series pairing does not keep a report from moving to a new manager."""
    cur = stored(ANN, BOB, status="series_deleted")
    [action] = run([pair(CAT, BOB)], [cur])
    assert action.kind == "move" and action.current == cur


def test_ended_pairings_are_history() -> None:
    """An ended pairing is ignored: the pair meeting again is a join."""
    [action] = run([pair(ANN, BOB)], [stored(ANN, BOB, status="ended")])
    assert action.kind == "join"


def test_conflicting_managers_file_wins() -> None:
    """Two managers claim one report: the pairs file beats the directory; the other is blocked."""
    directory = pair(ANN, BOB)
    file = pair(CAT, BOB, source="file pairs.csv:7")
    actions = run([directory, file], [])
    assert sorted(kinds(actions)) == sorted([("join", file.key), ("blocked", directory.key)])
    blocked = next(a for a in actions if a.kind == "blocked")
    assert "pairs file overrides the directory" in blocked.reason
    assert blocked.current is None


def test_conflicting_managers_first_wins_within_one_source() -> None:
    """Two directory claims on one report: the first wins, the second is blocked."""
    first, second = pair(ANN, BOB), pair(CAT, BOB)
    actions = run([first, second], [stored(CAT, BOB)])
    assert sorted(kinds(actions)) == sorted([("move", first.key), ("blocked", second.key)])
    assert "came first" in next(a for a in actions if a.kind == "blocked").reason


def test_same_pair_from_both_sources_merges_silently() -> None:
    """Directory and file naming the same pair is no conflict: the file's overrides apply."""
    actions = run([pair(ANN, BOB), pair(ANN, BOB, cadence=CadenceKind.WEEKLY,
                                        source="file pairs.csv:2")], [stored(ANN, BOB)])
    assert [a.kind for a in actions] == ["recadence"]
    assert actions[0].spec is not None and actions[0].spec.source.startswith("file")


def test_self_pairing_is_blocked() -> None:
    """A manager paired with themself is skipped as blocked."""
    [action] = run([pair(ANN, ANN)], [])
    assert action.kind == "blocked" and "themself" in action.reason


def test_person_not_present_is_blocked() -> None:
    """A desired pair naming someone who is not an enabled user is skipped as blocked."""
    [action] = run([pair(ANN, BOB)], [], present={"bob"})
    assert action.kind == "blocked" and "ann@example.com" in action.reason


def test_order_is_by_report_email_and_deterministic() -> None:
    """Actions come sorted by report email, whatever the input order."""
    desired = [pair(ANN, EVE), pair(ANN, CAT), pair(ANN, DAN)]
    current = [stored(ANN, BOB)]
    a = run(desired, current)
    b = run(list(reversed(desired)), current)
    assert a == b
    assert [x.current.report_id if x.spec is None else x.spec.report.id  # type: ignore[union-attr]
            for x in a] == ["bob", "cat", "dan", "eve"]


def test_a_whole_reorganisation() -> None:
    """Joiner, mover, leaver, unpaired and keep together give one action each."""
    current = [stored(ANN, BOB), stored(ANN, CAT), stored(ANN, DAN), stored(EVE, person("fay"))]
    desired = [pair(ANN, BOB), pair(EVE, CAT), pair(EVE, person("gus"))]
    present = {"ann", "bob", "cat", "dan", "eve", "gus"}
    got = {a.key: a.kind for a in run(desired, current, present)}
    assert got == {
        pairing_key("ann", "bob"): "keep",
        pairing_key("eve", "cat"): "move",
        pairing_key("ann", "dan"): "unpaired",
        pairing_key("eve", "fay"): "leave",
        pairing_key("eve", "gus"): "join",
    }


PEOPLE = [person(p) for p in ("ann", "bob", "cat", "dan", "eve", "fay")]


@settings(max_examples=150, deadline=None)
@given(
    desired=st.lists(st.tuples(st.sampled_from(PEOPLE), st.sampled_from(PEOPLE),
                               st.sampled_from(["directory", "file pairs.csv:1"]))),
    current=st.lists(st.tuples(st.sampled_from(PEOPLE), st.sampled_from(PEOPLE),
                               st.sampled_from(["active", "series_deleted", "ended"])),
                     unique_by=lambda t: (t[0].id, t[1].id)),
    present=st.frozensets(st.sampled_from([p.id for p in PEOPLE])),
)
def test_every_live_pairing_and_claimed_report_is_decided_once(
        desired: list[tuple[Person, Person, str]], current: list[tuple[Person, Person, str]],
        present: frozenset[str]) -> None:
    """Each live pairing is acted on once, each report keeps/gets at most one pairing."""
    specs = [pair(m, r, source=src) for m, r, src in desired]
    cur = [stored(m, r, status=s) for m, r, s in current]
    actions = reconcile(specs, cur, present, POLICY, NOON)
    live = [c for c in cur if c.status != "ended"]
    touched = [a.current.key for a in actions if a.current is not None]
    assert sorted(touched) == sorted(c.key for c in live)
    creating = [a.spec.report.id for a in actions  # type: ignore[union-attr]
                if a.kind in ("join", "move", "recadence", "keep")]
    assert len(creating) == len(set(creating))
    for a in actions:
        if a.kind in ("join", "move"):
            assert a.spec is not None and a.spec.manager.id != a.spec.report.id
            assert {a.spec.manager.id, a.spec.report.id} <= present
    assert actions == reconcile(specs, list(reversed(cur)), present, POLICY, NOON)


# -- management cycles across sources -------------------------------------------------------


def test_no_cycle_in_a_tree() -> None:
    """A chain of command (ann > bob > cat) has no cycle."""
    from service.domain.pairing import management_cycles

    assert management_cycles([pair(ANN, BOB), pair(BOB, CAT), pair(ANN, DAN)]) == []


def test_file_line_closing_a_loop_with_the_directory() -> None:
    """The directory says ann manages bob; a file line says bob manages ann: one cycle,
    named from the file line, with the file's location and the fix."""
    from service.domain.pairing import describe_cycle, management_cycles

    directory = pair(ANN, BOB)
    line = pair(BOB, ANN, source="file pairs.csv:4")
    [cycle] = management_cycles([directory, pair(EVE, ANN), line])
    assert cycle == [line, directory]  # the file beat eve's directory claim on ann
    assert describe_cycle(cycle) == (
        "pairs.csv:4: management cycle: bob@example.com manages ann@example.com (file "
        "pairs.csv:4), ann@example.com manages bob@example.com (directory); so each of them "
        "would be above their own manager. Fix the manager on the pairs-file line, or the "
        "manager in the directory.")


def test_a_losing_directory_claim_makes_no_cycle() -> None:
    """Once the file gives bob a new manager, the directory's claim on bob no longer counts:
    bob managing his old manager's manager is then no loop."""
    from service.domain.pairing import management_cycles

    directory = [pair(ANN, BOB), pair(BOB, CAT)]
    assert management_cycles([*directory, pair(CAT, BOB, source="file p.csv:1")]) != []
    assert management_cycles([*directory, pair(DAN, BOB, source="file p.csv:1"),
                              pair(BOB, ANN, source="file p.csv:2")]) == []


def test_directory_only_cycle_is_described_without_a_file() -> None:
    """A loop entirely in the directory starts at the first report by email, and says to fix
    the directory."""
    from service.domain.pairing import describe_cycle, management_cycles

    [cycle] = management_cycles([pair(ANN, BOB), pair(BOB, CAT), pair(CAT, ANN)])
    assert [(s.manager.id, s.report.id) for s in cycle] == [("cat", "ann"), ("ann", "bob"),
                                                            ("bob", "cat")]
    text = describe_cycle(cycle)
    assert text.startswith("management cycle: cat@example.com manages ann@example.com")
    assert text.endswith("Fix the managers in the directory.")
