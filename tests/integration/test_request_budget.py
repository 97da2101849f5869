"""What the loop costs in Graph requests (issue 11), counted by the sandbox the way Graph
meters them (each $batch step is one): a tick with nothing due, and one held meeting from
its agenda to its last read-back. A change that adds requests fails here, not in a bill.
The figures are exact on purpose: an improvement updates them, a regression is seen."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from service.domain.readback import LAST_WAIT
from service.sandbox import SandboxTenant
from tests.integration.test_agenda_loop import START
from tests.integration.test_meeting_changes import HOUR, Org

KINDS = (  # (label, method, path pattern): first match wins
    ("calendar delta", "GET", r"/calendarView/delta$"),
    ("series instances", "GET", r"/events/[^/]+/instances$"),
    ("event read", "GET", r"/events/[^/]+$"),
    ("event write", "PATCH", r"/events/"),
    ("free/busy", "POST", r"/getSchedule$"),
    ("directory", "GET", r"^/users(/delta)?$|/manager$|/directReports|/mailboxSettings$"),
    ("send mail", "POST", r"/sendMail$"),
)


def kinds(tenant: SandboxTenant) -> Counter[str]:
    out: Counter[str] = Counter()
    for method, path, _who in tenant.requests:
        if path.rstrip("/").endswith("$batch"):
            continue  # the envelope; its steps are logged one by one
        label = next((k for k, m, p in KINDS if m == method and re.search(p, path)),
                     f"{method} {path}")
        out[label] += 1
    return out


def big_org(managers: int = 6) -> SandboxTenant:
    """Six managers of six, under one head: 42 pairs (``managers``: fewer of them)."""
    t = SandboxTenant(seed="request-budget", now=lambda: START)
    head = t.add_user("Hana Head", "hana@contoso.example", hire_date=date(2015, 1, 1))
    for m in range(managers):
        manager = t.add_user(f"Manager {m}", f"m{m}@contoso.example", manager=head,
                             hire_date=date(2018, 1, 1))
        for r in range(6):
            t.add_user(f"Report {m}-{r}", f"r{m}.{r}@contoso.example", manager=manager,
                       hire_date=date(2021, 1, 1))
    return t


def test_a_tick_with_nothing_due_costs_one_directory_read_whatever_the_size(
        db_url: str, settings_for: Any) -> None:
    org_ = Org(db_url, settings_for)
    org_.tenant = big_org()
    org_.tick(START)  # the rollout: 42 series, the agendas already due
    assert len(org_.store.all_live_series()) == 42
    org_.tenant.reset_counters()
    report = org_.tick(START + HOUR / 2)  # nothing new is due half an hour later
    assert kinds(org_.tenant) == Counter({"directory": 1}), org_.tenant.requests
    assert report.occurrences.series == 0


@pytest.mark.slow
def test_one_held_meeting_from_agenda_to_last_read_back(tmp_path: Any, settings_for: Any
                                                        ) -> None:
    """Mia and Rob alone; Rob's first meeting, ticked every six hours without the directory
    sync (a per-tick cost, not a per-meeting one: see the test above), from the rollout to
    the end of its re-read window, Mia typing a note after it. (SQLite only: weeks of
    ticks, and the count is of Graph requests, which no store changes.) Each request falls
    due on this grid as on an hourly one: the agenda at midnight, the day-before read, the
    note typed at the meeting's end (12:00) before its first read, the last re-read; only
    the read after the meeting comes five hours later (the same requests, and a request
    added per run still shows, in 70 runs). Hourly, the same counts took 417 runs."""
    db_url = f"sqlite:///{tmp_path / 'budget.db'}"
    org_ = Org(db_url, settings_for)
    org_.tenant = SandboxTenant(seed="request-budget-one", now=lambda: START)
    mia = org_.tenant.add_user("Mia Manager", "mia@contoso.example", hire_date=date(2020, 1, 1))
    org_.tenant.add_user("Rob Report", "rob@contoso.example", manager=mia,
                         hire_date=date(2021, 3, 1))
    org_.tick(START)
    org_.tenant.reset_counters()
    now, typed, occ = START, False, None
    end_of_reads = None
    while end_of_reads is None or now <= end_of_reads:
        now += 6 * HOUR
        org_.tick(now, sync=False)
        occ = org_.first("rob@contoso.example") if occ is None else org_.store.occurrence(
            occ.id)
        if occ is not None and not typed and now >= occ.end:
            org_.type_note(occ, "We agreed the plan")
            typed = True
            # The last re-read waits for a calendar read to vouch for it, then is made.
            end_of_reads = occ.end + timedelta(days=settings_for(db_url).agenda
                                               .recapture_days, hours=2) + LAST_WAIT
        assert now < START + timedelta(days=60), "Rob's first meeting never came"
    assert occ is not None and occ.status == "held"
    # Everything Rob's first meeting cost (he and Mia have only that one pair; the second
    # meeting's own steps start later than this window only if the cadence is monthly,
    # so the window is cut at the first meeting's last read-back).
    assert kinds(org_.tenant) == Counter({
        "free/busy": 1,          # the absence check when the agenda falls due (the earlier
                                 # one, a working day before, ran in the rollout's tick)
        "series instances": 1,   # listing the occurrence when its agenda falls due
        "event write": 1,        # the agenda, written into the occurrence read just then
        "calendar delta": 3,     # Mia's calendar: the day before the meeting; after it,
                                 # listing the meeting with the notes she typed (its body
                                 # comes with it: no read of the event); then once for both
                                 # re-reads of the notes (his monthly 1-2-1's summary is
                                 # out, so the day-after one waits for the last), which it
                                 # vouches for: one read serves all of a manager's
                                 # meetings, and lists any edited
        "send mail": 1,          # the summary to Rob
    }), org_.tenant.requests


@pytest.mark.slow
def test_a_managers_agendas_due_together_are_listed_with_one_read(tmp_path: Any,
                                                                   settings_for: Any) -> None:
    """When several of one manager's 1-2-1s have their agendas fall due in the same run
    (meetings on the same day), their occurrences come from one read of that manager's
    calendar (calendarView carries each occurrence's body, as instances does), not one
    listing per series; every agenda is still written, into the occurrence so read. Ticked
    twice a day (runs may be 12 hours apart): every agenda falls due at a midnight, so each
    run writes the same agendas together as hourly ticks did, in 28 runs rather than 336.
    Two managers of six and the head (14 pairs; all 42 added only work): 11 agendas, in
    five runs, four of them with one manager's two, two with more than one manager's."""
    db_url = f"sqlite:///{tmp_path / 'listing.db'}"  # SQLite only: requests are counted
    org_ = Org(db_url, settings_for)
    org_.tenant = big_org(managers=2)
    org_.tick(START)  # the rollout (its own listings are not counted)
    now, together = START, 0
    while now < START + timedelta(days=14):
        now += 12 * HOUR
        org_.tenant.reset_counters()
        report = org_.tick(now, sync=False)
        assert report.agenda.failed == [] and report.occurrences.failed == []
        listings: Counter[str] = Counter()
        for method, path, who in org_.tenant.requests:
            if method == "GET" and re.search(r"/instances$|/calendarView$", path):
                listings[who or path] += 1
        written: Counter[str] = Counter(label.split(" & ")[0]
                                        for label in report.agenda.injected)
        together += sum(1 for n in written.values() if n > 1)
        assert all(n == 1 for n in listings.values()), (now, listings, written)
    assert together, "no manager had two agendas due in one run: the test proves nothing"


@pytest.mark.slow
def test_a_series_deleted_among_a_managers_due_ones_is_still_noticed(tmp_path: Any,
                                                                     settings_for: Any) -> None:
    """Two of a manager's series have their agendas due in the same run, and the manager
    deleted one of them in Outlook: the read of their calendar shows nothing of it, so it
    is listed on its own (its instances answer 404) and marked deleted, never taken for a
    series without meetings; the other still gets its agenda. One manager of six is enough
    (the others' 30 pairs only added work), ticked twice a day (runs may be 12 hours apart;
    the agendas fall due at midnight): noticed, as ticked hourly, in the first run after
    both agendas fell due."""
    db_url = f"sqlite:///{tmp_path / 'listing.db'}"  # SQLite only: requests are counted
    from service.domain.series import occurrences as slots

    org_ = Org(db_url, settings_for)
    org_.tenant = big_org(managers=1)
    org_.tick(START)
    views = [v for v in org_.store.views() if v.manager.name == "Manager 0"
             and v.series is not None]
    by_day: dict[date, list[Any]] = {}
    for view in views:  # each one's first meeting far enough ahead to delete it before
        ahead = slots(view.series, START + timedelta(days=4), START + timedelta(days=40))
        if ahead:
            by_day.setdefault(ahead[0][0].date(), []).append(view)
    gone, kept = next(pair for pair in by_day.values() if len(pair) > 1)[:2]
    org_.tenant.person_cancel("m0@contoso.example", gone.series.event_id)
    now, deleted = START, []
    while now < START + timedelta(days=40) and not deleted:
        now += 12 * HOUR
        org_.tenant.reset_counters()
        report = org_.tick(now, sync=False)
        deleted += report.occurrences.deleted
    assert deleted == [f"Manager 0 & {gone.report.name}"]
    # Noticed in the run that read the manager's calendar for both, then the series alone.
    reads = [path for method, path, _who in org_.tenant.requests if method == "GET"]
    assert any(p.endswith("/calendarView") for p in reads), reads
    assert any(p.endswith(f"/events/{gone.series.event_id}/instances") for p in reads), reads
    gone_now = org_.store.series(gone.series.id)
    assert gone_now is not None and gone_now.status == "deleted"
    assert any(o.agenda_state == "injected"
               for o in org_.store.pairing_occurrences(kept.pairing.id))
