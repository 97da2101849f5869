"""A mailbox Graph throttles for hours (another app using up its quota: a Retry-After of
hours on every request) is given up for a run, and no later run, of this replica or
another, asks it anything until Graph's wait is over (an hour at most): each run spent its
30 s on it again, and each request added to its throttling. Its work stays due meanwhile;
`tick`, `status` and the log name the mailbox by address and say until when; once the
hold is over a run asks again, and her work goes through."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from service.cli import cli
from service.domain.records import MailRecord, Recipient
from service.domain.status import AgendaState, OutboxStatus
from service.graph.transport import served_mailbox
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_throttled_mailbox import HOLD_MAX, START, org, run

MIA = "mia@contoso.example"


def status(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path, now: datetime) -> str:
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setenv("ONETOONE_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["status", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_a_mailbox_throttled_for_hours_is_left_alone_by_later_runs_until_then(
        db_url, settings_for, caplog: pytest.LogCaptureFixture, monkeypatch, tmp_path) -> None:
    caplog.set_level(logging.INFO)
    settings = settings_for(db_url)
    tenant = org()
    slept: list[float] = []
    assert run(settings, tenant, START, slept).failed_steps == []
    store = Store(make_engine(db_url))
    views = {v.manager.email: v for v in store.views()}
    keys = {}
    for email, view in views.items():  # a mail from each manager, waiting to go
        keys[email] = f"p{view.pairing.id}:summary"
        assert store.enqueue(MailRecord(
            key=keys[email], kind="summary", pairing_id=view.pairing.id, occurrence_id=None,
            mailbox=view.manager.id,
            to=(Recipient(name=view.report.name, address=view.report.email),),
            subject="Your 1-2-1", body_html="<p>notes</p>", tag=f"tag-{view.pairing.id}",
            created_at=START))
    mia = views[MIA].manager.id
    # Five hours: more than a hold takes on trust.
    tenant.inject_fault("*", rf"^/users/({re.escape(mia)}|mia@contoso\.example)/", 429,
                        times=10**6, retry_after=5 * 3600, code="ApplicationThrottled")

    def asked_her_mailbox() -> list[str]:
        return [p for _m, p, who in tenant.requests if who == mia and served_mailbox(p)]

    def mail(email: str) -> str:
        return next(m.status for m in store.outbox() if m.key == keys[email])

    def agendas(email: str) -> list[str]:
        return [o.agenda_state for o in store.pairing_occurrences(views[email].pairing.id)
                if o.start < later + timedelta(days=7)]

    later = START + timedelta(days=7)  # agendas due for both pairs
    tenant.requests.clear()
    first = run(settings, tenant, later, slept)
    assert first.failed_steps == [] and asked_her_mailbox()  # given up in this run
    # Graph's five hours, capped (from the run's instant moved on by the seconds it took).
    until = f"{later + HOLD_MAX:%Y-%m-%d %H:%M}"

    # The runs after it, each as another replica's would be (a transport of its own, the
    # database shared): not one request to her mailbox, no wait, nothing failed.
    for minutes in (15, 30, 45):
        tenant.requests.clear()
        caplog.clear()
        slept.clear()
        result = run(settings, tenant, later + timedelta(minutes=minutes), slept)
        assert asked_her_mailbox() == [] and slept == []
        assert result.failed_steps == []
        assert mail(MIA) == OutboxStatus.PENDING and mail("ola@contoso.example") == "sent"
        assert AgendaState.INJECTED not in agendas(MIA)
        assert AgendaState.INJECTED in agendas("ola@contoso.example")
        held = [r for r in caplog.records if r.getMessage() == "graph.mailbox_held"]
        assert [(r.mailbox, r.until[:16]) for r in held] == [(MIA, until.replace(" ", "T"))]
        assert [line for line in result.held if MIA in line and "ApplicationThrottled" in line]
    assert any(MIA in line and f"until {until} UTC" in line for line in first.held)
    shown = status(db_url, monkeypatch, tmp_path, later + timedelta(minutes=50))
    assert f"held: {MIA}: Graph keeps throttling this mailbox" in shown
    assert f"until {until} UTC" in shown and mia not in shown
    assert "mailbox throttled" in shown

    # The hold over (Graph said five hours: it may be over sooner), a run asks again: still
    # throttled, held again; then Graph lets her mailbox be.
    tenant.requests.clear()
    again = later + HOLD_MAX + timedelta(minutes=1)
    run(settings, tenant, again, slept)
    assert asked_her_mailbox()
    assert mail(MIA) == OutboxStatus.PENDING
    tenant.reset_counters()
    done = run(settings, tenant, again + HOLD_MAX + timedelta(minutes=1), slept)
    assert done.failed_steps == [] and done.held == []
    assert mail(MIA) == OutboxStatus.SENT
    assert AgendaState.INJECTED in agendas(MIA)


def test_a_hold_only_grows_while_it_lasts_and_says_since_when(db_url) -> None:
    """Two runs (two replicas, `tick` from cron) holding one mailbox: the later end stands,
    whichever writes last, and a hold renewed as it ends is one spell (``since``)."""
    store = Store(make_engine(db_url))
    t0 = datetime(2026, 12, 7, 9, tzinfo=UTC)
    store.hold_mailbox("m-1", t0 + timedelta(minutes=50), t0, "ApplicationThrottled", "busy")
    held = store.hold_mailbox("m-1", t0 + timedelta(minutes=10), t0, "TooManyRequests", "x")
    assert held.until == t0 + timedelta(minutes=50) and held.since == t0
    later = t0 + timedelta(minutes=51)
    assert store.mailbox_holds(later) == []
    held = store.hold_mailbox("m-1", later + timedelta(hours=1), later, "ApplicationThrottled",
                              "busy")
    assert held.since == t0 and held.until == later + timedelta(hours=1)
    assert [h.mailbox for h in store.mailbox_holds(later)] == ["m-1"]


def test_a_mailbox_given_short_waits_run_after_run_is_held_longer_each_time(
        db_url, settings_for) -> None:
    """Graph answers her mailbox with a Retry-After of two seconds, for hours: each run that
    asks her retries, runs out of retries and gives her up, but a hold of two seconds was no
    hold: every run with work of hers due spent its retries (and up to 30 s) on her again,
    each retry adding to her throttling. Given up again soon after a hold, she is held as
    long as she has been throttled so far (an hour at most), and every run meanwhile leaves
    her alone and says so; then Graph lets her be, and her agenda is written."""
    settings = settings_for(db_url)
    tenant = org()
    slept: list[float] = []
    assert run(settings, tenant, START, slept).failed_steps == []
    store = Store(make_engine(db_url))
    view = next(v for v in store.views() if v.manager.email == MIA)
    mia = view.manager.id
    tenant.inject_fault("*", rf"^/users/({re.escape(mia)}|mia@contoso\.example)/", 429,
                        times=10**6, retry_after=2, code="ApplicationThrottled")

    def agendas() -> list[str]:
        return [o.agenda_state for o in store.pairing_occurrences(view.pairing.id)
                if o.start < t0 + timedelta(days=7)]

    asked: list[int] = []
    left_alone: list[int] = []
    t0 = START + timedelta(days=7)  # her agenda due: calendar reads, retried
    # A run every quarter of an hour (the first ten minutes after the one that gave her up:
    # no run falls on the minute a hold ends, which depends on how long each run took).
    for minute in (0, 10, 25, 40, 55, 70, 85, 100, 115):
        tenant.requests.clear()
        slept.clear()
        result = run(settings, tenant, t0 + timedelta(minutes=minute), slept)
        assert result.failed_steps == []
        if [p for _m, p, who in tenant.requests if who == mia and served_mailbox(p)]:
            asked.append(minute)
            assert slept  # her retries
        elif result.held:
            assert slept == [] and MIA in result.held[0]
            left_alone.append(minute)
    # The listing of her series waits a while after each failure (domain/series.py), so
    # the run at 10 has nothing of hers to do; the later runs are held: 25 minutes after
    # the give-up at 25, 55 after the one at 55, an hour (at most) after the one at 115.
    assert asked == [0, 25, 55, 115], asked
    assert left_alone == [40, 70, 85, 100], left_alone
    held = store.mailbox_holds(t0 + timedelta(minutes=116))
    assert [h.mailbox for h in held] == [mia] and held[0].since - t0 < timedelta(minutes=1)
    assert timedelta(minutes=174) < held[0].until - t0 < timedelta(minutes=176)
    assert AgendaState.INJECTED not in agendas()
    tenant.reset_counters()
    # (after the listing's own wait, two hours since its last failure)
    done = run(settings, tenant, t0 + timedelta(minutes=115 + 121), slept)
    assert done.failed_steps == [] and done.held == []
    assert AgendaState.INJECTED in agendas()


def test_a_hold_renewed_soon_after_it_ended_lasts_as_long_as_the_spell(db_url) -> None:
    store = Store(make_engine(db_url))
    t0 = datetime(2026, 12, 7, 9, tzinfo=UTC)
    hour = timedelta(hours=1)
    store.hold_mailbox("m-1", t0 + timedelta(seconds=2), t0, "TooManyRequests", "busy",
                       longest=hour)
    at = t0 + timedelta(minutes=20)
    held = store.hold_mailbox("m-1", at + timedelta(seconds=2), at, "TooManyRequests", "busy",
                              longest=hour)
    assert held.since == t0 and held.until == at + timedelta(minutes=20)
    at = held.until + timedelta(minutes=10)  # throttled for 50 minutes
    held = store.hold_mailbox("m-1", at, at, "TooManyRequests", "busy", longest=hour)
    assert held.since == t0 and held.until == at + timedelta(minutes=50)
    at = held.until + timedelta(minutes=5)  # for 105 minutes: an hour at most
    held = store.hold_mailbox("m-1", at, at, "TooManyRequests", "busy", longest=hour)
    assert held.since == t0 and held.until == at + hour
    # Its last hold over for more than an hour: Graph's wait alone.
    at = held.until + timedelta(minutes=61)
    held = store.hold_mailbox("m-1", at + timedelta(seconds=2), at, "TooManyRequests", "busy",
                              longest=hour)
    assert held.until == at + timedelta(seconds=2)
