"""A summary between two people whose display names are as long as Entra allows (256
characters each): its subject names both, and must still fit the outbox's subject column.
On PostgreSQL a longer subject was refused, so that summary was never queued and the whole
mail-queue step failed on every run, holding back every summary queued after it (one bad
item must fail only itself, and here nothing needed to fail)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.domain.subjects import subject_name
from service.store.models import OutboxRow
from tests.integration.test_agenda_loop import person_types
from tests.integration.test_mail import Scenario

# As long as Entra allows a display name (256 characters).
LONG_MIA = ("Mia " + "Alexandra-Louise " * 15 + "Manager")[:256]
LONG_ROB = ("Rob " + "Bartholomew-Jonas " * 15 + "Report")[:256]
NIA = "nia@contoso.example"


@pytest.fixture
def scenario(db_url, settings_for) -> Scenario:
    return Scenario(settings_for(db_url))


def test_long_names_summary_is_queued_and_holds_back_no_other(scenario: Scenario) -> None:
    scenario.tenant.user("mia@contoso.example")["displayName"] = LONG_MIA
    scenario.tenant.user("rob@contoso.example")["displayName"] = LONG_ROB
    scenario.type_notes()
    nia = next(v for v in scenario.store.views() if v.report.email == NIA)
    failed: list[str] = []
    typed = False
    for hours in range(1, 24 * 12, 6):
        result = scenario.after_meeting(hours=hours)
        failed += result.failed_steps
        stored = scenario.store.pairing_occurrences(nia.pairing.id)
        if stored and not typed and stored[0].agenda_state == "injected":
            # Nia's meeting, a week after Rob's, gets notes too: its summary is queued
            # after Rob's.
            person_types(scenario.tenant, stored[0], ["Nia: good week"], [], tick_all=False)
            typed = True
    assert typed
    assert failed == []
    column = OutboxRow.__table__.c.subject.type.length
    summaries = [r for r in scenario.store.outbox() if r.kind == "summary"]
    assert {r.pairing_id for r in summaries} == {scenario.rob.pairing.id, nia.pairing.id}
    assert all(r.status == "sent" and len(r.subject) <= column for r in summaries)
    (rob_summary,) = scenario.summaries()
    # Each name cut to 100 characters: Outlook shows and searches about 255 of a subject.
    assert rob_summary["subject"].startswith(
        f"1-2-1 notes: {subject_name(LONG_MIA)} & {subject_name(LONG_ROB)}, ")
    assert subject_name(LONG_MIA).endswith("…") and len(rob_summary["subject"]) < 255


def test_a_mail_that_cannot_be_stored_holds_back_no_other(scenario: Scenario,
                                                          monkeypatch) -> None:
    """Whatever makes one meeting's mail fail to be stored, the others' are queued and sent
    in the same run, and that one goes at a later run."""
    from service.errors import StoreError
    from service.jobs import outbox

    real = outbox.summary_mail

    def refused_for_rob(ctx, view, occ, *args):
        if occ.id == scenario.occ.id:
            raise StoreError("value too long for type character varying(400)")
        return real(ctx, view, occ, *args)

    nia = next(v for v in scenario.store.views() if v.report.email == NIA)
    scenario.type_notes()
    monkeypatch.setattr(outbox, "summary_mail", refused_for_rob)
    result = scenario.after_meeting()
    assert result.failed_steps == []
    assert [f.split(":")[0] for f in result.mail.failed] == [
        f"Mia Manager & Rob Report {scenario.occ.start:%Y-%m-%d}"]
    for hours in range(7, 24 * 12, 6):
        stored = scenario.store.pairing_occurrences(nia.pairing.id)
        if stored and stored[0].agenda_state == "injected":
            person_types(scenario.tenant, stored[0], ["Nia: good week"], [], tick_all=False)
            scenario.at(stored[0].end + timedelta(hours=1))
            break
        scenario.after_meeting(hours=hours)
    summaries = [r for r in scenario.store.outbox() if r.kind == "summary"]
    assert [r.pairing_id for r in summaries] == [nia.pairing.id]
    monkeypatch.setattr(outbox, "summary_mail", real)
    scenario.after_meeting(hours=24 * 12)
    assert len(scenario.summaries()) == 1
