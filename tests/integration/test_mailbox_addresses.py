"""What the admin reads names a mailbox by its address, not by the directory id the Graph
requests use (which tells no one who): the log's occurrences.failed and graph.retry, the
schedule's "working hours unreadable" warning, and the error kept on a mail Graph failed."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from service.sandbox import SandboxTenant
from service.store.db import make_engine, upgrade
from service.store.repo import Store
from tests.integration.test_listing_failure_backoff import START, Run, _tenant, _tick
from tests.integration.test_mail import Scenario

# The managers in test_listing_failure_backoff's organisation (Hana manages Mo, Mo Rae).
MANAGERS = {"hana@contoso.example", "mo@contoso.example"}


def _fields(caplog: pytest.LogCaptureFixture, event: str) -> list[dict[str, Any]]:
    return [vars(r) for r in caplog.records if r.getMessage() == event]


def _id_of(tenant: SandboxTenant, email: str) -> str:
    return str(tenant.user(email)["id"])


def test_a_denied_calendar_is_logged_by_its_address(db_url: str, settings_for: Any,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    """occurrences.failed said `mailbox: 34591ac4-…` of a manager outside the access
    policy; the error's words named the id too."""
    run = Run(db_url, settings_for)
    run.deny()
    caplog.set_level(logging.WARNING)
    report = run.tick(run.first_due())
    assert report.occurrences is not None and report.occurrences.failed
    failed = _fields(caplog, "occurrences.failed")
    assert failed and all(f["mailbox"] in MANAGERS for f in failed), failed
    assert all(f"Exchange blocked the app from mailbox {f['mailbox']}:" in f["error"]
               for f in failed), failed
    ids = [_id_of(run.tenant, email) for email in MANAGERS]
    assert not any(i in str(f).lower() for f in failed for i in ids), failed


def test_a_retried_request_is_logged_by_its_mailbox_address(
        db_url: str, settings_for: Any, caplog: pytest.LogCaptureFixture) -> None:
    """graph.retry's `mailbox` was the directory id of the mailbox the request was for."""
    run = Run(db_url, settings_for)
    run.tenant.inject_fault("GET", r"/users/[^/]+/(events|calendarView)", 503, times=1)
    caplog.set_level(logging.WARNING)
    run.tick(run.first_due())
    retried = _fields(caplog, "graph.retry")
    assert len(retried) == 1 and retried[0]["mailbox"] in MANAGERS, retried


def test_unreadable_working_hours_are_said_by_address(db_url: str, settings_for: Any) -> None:
    """The schedule's warning quoted Graph's "Exchange blocked the app from mailbox
    <id>" of a report outside the access policy."""
    store = Store(make_engine(db_url))
    upgrade(store.engine)
    tenant = _tenant()
    tenant.block_mailbox("rae@contoso.example")
    report = _tick(settings_for(db_url), store, tenant, START)
    (warning,) = [w for w in report.schedule.warnings if "working hours unreadable" in w]
    assert "Exchange blocked the app from mailbox rae@contoso.example:" in warning, warning
    assert _id_of(tenant, "rae@contoso.example") not in warning


@pytest.fixture
def scenario(tmp_path: Any, settings_for: Any) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'mail.db'}"))


def test_a_mail_graph_failed_keeps_its_error_by_address(scenario: Scenario) -> None:
    """A 503 on sendMail left `last_error` "… for mailbox c913316d-…": what `mail` and
    `status` show the admin."""
    scenario.type_notes()
    scenario.tenant.inject_fault("POST", r"/sendMail$", 503, times=1)
    scenario.after_meeting()
    (row,) = scenario.store.outbox()
    assert row.status == "sending" and row.last_error, row
    sender = next(p for p in scenario.store.people([row.mailbox]).values())
    assert f"for mailbox {sender.email}" in row.last_error, row.last_error
    assert row.mailbox.lower() not in row.last_error.lower(), row.last_error
