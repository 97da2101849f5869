"""A mailbox hold (migration 0032) names the mailbox, by directory id or address, and quotes
Graph: it does not outlive its use. The tick's daily retention step drops the holds over for
a day (``KEPT_AFTER``), whatever [privacy] retain_months says (before, only a later hold
dropped them: a tenant throttled once kept its row for good), and `forget` drops the
person's, by id and by address. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from service.store.models import MailboxHoldRow
from tests.integration.test_mail import Scenario


def _held(scenario: Scenario) -> set[str]:
    """Every mailbox with a hold row, over or not."""
    with scenario.store.session() as s:
        return set(s.scalars(select(MailboxHoldRow.mailbox)))


def test_the_daily_retention_step_drops_holds_over_for_a_day(db_url: str,
                                                               settings_for) -> None:
    scenario = Scenario(settings_for(db_url))  # retain_months off, as by default
    at = scenario.occ.end + timedelta(days=2)
    # Mailboxes of another organisation: no request of the tick goes to them. (Written in
    # this order, neither write drops the other's row, as a later hold would.)
    scenario.store.hold_mailbox("lately@elsewhere.example", at - timedelta(hours=12),
                                at - timedelta(hours=13), "ApplicationThrottled", "busy")
    scenario.store.hold_mailbox("old@elsewhere.example", at - timedelta(days=3),
                                at - timedelta(days=3, hours=1), "ApplicationThrottled", "busy")
    assert _held(scenario) == {"old@elsewhere.example", "lately@elsewhere.example"}
    assert scenario.at(at).failed_steps == []
    # Over for a day: gone. Over lately: kept (a hold renewed within a day carries its since).
    assert _held(scenario) == {"lately@elsewhere.example"}


def test_forget_drops_the_persons_holds_by_id_and_address(db_url: str, settings_for) -> None:
    scenario = Scenario(settings_for(db_url))
    at = scenario.occ.end + timedelta(hours=2)
    rob, mia = scenario.rob.report, scenario.rob.manager
    for mailbox in (rob.id.lower(), rob.email.lower(), mia.id.lower()):
        scenario.store.hold_mailbox(mailbox, at - timedelta(minutes=30), at - timedelta(hours=1),
                                    "ApplicationThrottled", "busy")
    scenario.store.forget_person(rob.id, at)
    assert _held(scenario) == {mia.id.lower()}  # only Rob's go
