"""A shared, room or equipment mailbox is no one's own. Exchange makes its account enabled,
and a manager is often set on a shared one to record who owns it: it is never paired nor
booked (mailboxSettings' userPurpose tells, read once per account), the run says so by
name, its manager's own cadence does not count it as a report, and a series booked for one
before this was checked is ended, saying why."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from service.jobs import pairs
from service.jobs.pairs_purpose import Purposes
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_schedule_job import NOW, run, series_in

CEO, VAL, ROB = "ceo@contoso.example", "val@contoso.example", "rob@contoso.example"
SAM = "sam@contoso.example"
HR, ROOM, DESK = "hr@contoso.example", "room1@contoso.example", "desk@contoso.example"


def _org() -> SandboxTenant:
    """Val (under the CEO) manages Rob, and is the manager the HR shared mailbox gives; Sam
    (under the CEO) manages no one, but a meeting room gives him as its manager; a help-desk
    shared mailbox is Ada's manager."""
    t = SandboxTenant(seed="shared-mailbox", now=lambda: NOW)
    t.add_user("Ceo Boss", CEO, hire_date=date(2015, 1, 1))
    t.add_user("Val Two", VAL, manager=CEO, hire_date=date(2019, 1, 1))
    t.add_user("Rob Report", ROB, manager=VAL, hire_date=date(2021, 1, 1))
    t.add_user("HR Shared Mailbox", HR, manager=VAL, purpose="shared")
    t.add_user("Sam Solo", SAM, manager=CEO, hire_date=date(2019, 1, 1))
    t.add_user("Room One", ROOM, manager=SAM, purpose="room")
    t.add_user("Help Desk", DESK, manager=CEO, purpose="shared")
    t.add_user("Ada Agent", "ada@contoso.example", manager=DESK, hire_date=date(2022, 1, 1))
    return t


def _invited(tenant: SandboxTenant, mailbox: str) -> set[str]:
    return {a["emailAddress"]["address"] for m in series_in(tenant, mailbox)
            for a in m["attendees"]}


def _settings_reads(tenant: SandboxTenant, since: int) -> int:
    return sum(1 for method, path, _who in tenant.requests[since:]
               if method == "GET" and path.endswith("/mailboxSettings"))


def _booked_without_purposes(settings: Any, tenant: SandboxTenant,
                             monkeypatch: pytest.MonkeyPatch, *when: Any) -> None:
    """Runs at ``when`` as before purposes were read (none read, an old quiet mark)."""
    async def nobody(self: Purposes, users: Any) -> dict[str, Any]:
        return {}

    with monkeypatch.context() as before:
        before.setattr(Purposes, "not_people", nobody)
        before.setattr(pairs, "PURPOSES_READ", "")
        for now in when:
            run(settings, tenant, now)


@pytest.fixture
def settings(db_url: str, settings_for: Any) -> Any:
    return settings_for(db_url)


def test_shared_and_room_mailboxes_are_never_booked_and_are_named(db_url: str,
                                                                   settings: Any) -> None:
    """The rollout books Val & Rob and the CEO's with Val and Sam, nothing with the shared
    mailbox or the room, and nothing led by the help-desk mailbox; the run names each;
    Sam's own 1-2-1 is at the cadence of someone who manages no one (the room is not his
    report); a later run reads no mailbox settings again for them."""
    tenant = _org()
    report = run(settings, tenant, NOW)
    assert report.schedule.failed == []
    assert _invited(tenant, VAL) == {ROB}
    assert _invited(tenant, CEO) == {VAL, SAM}
    assert series_in(tenant, DESK) == []
    for box in (HR, ROOM, DESK):
        assert not [m for m in tenant.messages(box) if "1-2-1" in m.get("subject", "")]
    said = " ".join(report.pairs.warnings)
    assert "HR Shared Mailbox <hr@contoso.example> (a shared mailbox, manager Val Two" in said
    assert "Room One <room1@contoso.example> (a room mailbox, manager Sam Solo" in said
    assert ("desk@contoso.example is a shared mailbox, not a person, and the directory still "
            "lists them as the manager of 1 person (ada@contoso.example)") in said
    joined = {a.key for a in report.pairs.actions if a.kind == "join"}
    assert len(joined) == 3, report.pairs.actions
    cadence = {v.report.email: v.pairing.cadence
               for v in Store(make_engine(db_url)).views()}
    assert cadence[SAM] == "monthly" and cadence[VAL] == "fortnightly", cadence

    # A joiner later: only the joiner's mailbox is read; the mailboxes stay unbooked.
    since = len(tenant.requests)
    tenant.add_user("Ben New", "ben@contoso.example", manager=VAL)
    later = run(settings, tenant, NOW + timedelta(hours=1))
    assert _invited(tenant, VAL) == {ROB, "ben@contoso.example"}
    assert _settings_reads(tenant, since) == 1
    assert any("hr@contoso.example" in w for w in later.pairs.warnings)


def test_a_series_booked_before_the_check_ends_saying_why(settings: Any,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """Runs that did not read mailbox purposes (as before this check) booked Val & HR; the
    first run that does ends the pair, the HR mailbox's cancellation saying it is a shared
    mailbox, and nothing more is booked for it."""
    tenant = _org()
    # (The second, a quiet sync: its mark is kept.)
    _booked_without_purposes(settings, tenant, monkeypatch, NOW, NOW + timedelta(hours=1))
    assert HR in _invited(tenant, VAL)

    report = run(settings, tenant, NOW + timedelta(hours=2))
    ended = [a for a in report.pairs.actions if a.kind not in ("keep", "join")]
    assert [a.reason for a in ended if "HR" in a.reason] == [
        "HR Shared Mailbox is a shared mailbox, not a person"], ended
    assert _invited(tenant, VAL) == {ROB}
    cancelled = [m for m in tenant.messages(HR) if m["subject"].startswith("Canceled")]
    assert cancelled and "HR Shared Mailbox is a shared mailbox, not a person" in (
        cancelled[0]["body"]["content"])
    after = run(settings, tenant, NOW + timedelta(hours=3))
    assert after.schedule.created == [] and _invited(tenant, VAL) == {ROB}


@pytest.mark.parametrize("source", ["file", "both"])
def test_a_pairs_file_line_naming_a_shared_mailbox_is_skipped_saying_so(
        settings: Any, tmp_path: Path, source: str) -> None:
    """A line pairing Val with the HR mailbox is skipped with a warning naming the line,
    as a disabled account's is; the file's other line is paired."""
    tenant = _org()
    file = tmp_path / "pairs.csv"
    file.write_text(f"manager,report\n{VAL},{HR}\n{VAL},{ROB}\n")
    settings = dataclasses.replace(settings, pairs=dataclasses.replace(
        settings.pairs, source=source, file=file))
    report = run(settings, tenant, NOW)
    assert f"{file}:2: {HR} is a shared mailbox (Exchange), not a person, so this line is " \
           "skipped. Remove the line." in report.pairs.warnings
    assert _invited(tenant, VAL) == {ROB}


def test_a_shared_mailbox_booked_before_leaves_its_manager_no_vacancy(
        settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A room booked as Sam's report before purposes were read ends at the first run that
    reads them; Sam, who never managed a person, is not kept at the manager cadence as a
    lead between reports (which ran out 90 days on with a re-cadence and its cancellations):
    his own pair stays monthly throughout."""
    tenant = _org()
    _booked_without_purposes(settings, tenant, monkeypatch, NOW)
    store = Store(make_engine(settings.database.url))
    sam = next(v.pairing for v in store.views() if v.report.email == SAM)
    assert sam.cadence == "fortnightly"  # a manager of others, by the room, before
    for days in (0, 30, 91):
        report = run(settings, tenant, NOW + timedelta(days=days, hours=2))
        sam = next(v.pairing for v in Store(make_engine(settings.database.url)).views()
                   if v.report.email == SAM and v.pairing.status == "active")
        assert sam.cadence == "monthly", (days, sam.cadence_reason)
        assert "nobody has reported" not in sam.cadence_reason
        if days == 91:
            assert not [a for a in report.pairs.actions if a.kind == "recadence"]


def test_a_purpose_read_refused_whole_leaves_the_pairs_step_running(
        settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    """The $batch carrying the purpose reads refused as a whole (not one user's answer) on
    a first rollout: the pairs step goes on, but no pair is booked with anyone unread (a
    shared mailbox or a room would have been invited): each waits, said so, and the next
    sync reads them and books only the people."""
    tenant = _org()
    tenant.inject_fault("POST", r"^/\$batch$", 403, times=1)
    report = run(settings, tenant, NOW)
    assert not [s for s in report.failed_steps if s.startswith("pairs")], report.failed_steps
    assert any(r.message == "pairs.purpose_unread" for r in caplog.records)
    assert {a.kind for a in report.pairs.actions} == {"waiting"}
    assert any("waiting to read what" in w for w in report.pairs.warnings)
    for box in (HR, ROOM, DESK, VAL, CEO):
        assert series_in(tenant, box) == []
    later = run(settings, tenant, NOW + timedelta(hours=1))
    assert later.failed_steps == []
    assert _invited(tenant, VAL) == {ROB} and _invited(tenant, CEO) == {VAL, SAM}
    assert series_in(tenant, DESK) == [] and not [
        m for box in (HR, ROOM) for m in tenant.messages(box) if "1-2-1" in m["subject"]]
