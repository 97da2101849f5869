"""The soak's invariants, checked against the tenant and the database after every tick.

- no failed tick step, no failed agenda, capture or mail;
- never two live 1-2-1 series for one pair in the manager's calendar;
- every pair in the directory has a pairing; every active pairing a series or a stated
  reason, and a meeting in the next six weeks;
- no series of ours left live for a pair that is no longer one;
- no mail twice for one meeting, nobody receiving the same mail twice;
- no meeting moved onto, or held on, someone's leave, public holiday or non-working day;
- notes typed into a meeting get a summary.

Each break is a ``Break``: when, what, and the people it concerns (their steps in the log are
what led to it).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from benchmarks.soak_people import GROUP_NY, HOLIDAYS, People, stamp
from service.domain.absence import holiday_calendar
from service.domain.cadence import add_months
from service.domain.model import WEEKDAYS
from service.domain.retime import is_cut
from service.domain.status import PairingStatus
from service.domain.timezones import to_iana
from service.graph.payloads import PAIRING_PROPERTY
from service.sandbox.occurrences import occurrences as sandbox_occurrences

if TYPE_CHECKING:
    from service.domain.records import PairingView
    from service.jobs.tick import TickReport

# Replies and meeting traffic, not onetoone's mail; and the answer to a rebooking pick, one
# per pick (people here pick late, often after the time offered has gone).
# A meeting's absence check reads free/busy as its agenda falls due, two working days (up to
# four calendar days) before it: a relocation later than that is not seen for that meeting.
RELOCATION_NOTICED = timedelta(days=4)
AUTOMATIC = ("re:", "accepted", "declined", "canceled", "cancelled", "updated", "invitation",
             "new times", "book ", "that time is no longer free")


# A follow-on series' slot note (service/jobs/schedule.py, follow_on), searched anywhere in
# the note: a later note may be put before or after it.
FOLLOWS = re.compile(r"follows on from series (\d+)")
MONTHS_AHEAD = 6  # [policy] months_ahead: the soak runs on the defaults


def pair(view: PairingView) -> str:
    return f"{view.manager.email} -> {view.report.email}".lower()


@dataclass(frozen=True)
class Break:
    at: datetime
    text: str
    who: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{stamp(self.at)} {self.text}"


class Checks:
    def __init__(self, people: People) -> None:
        self.p, self.t, self.store = people, people.t, people.store
        self.breaks: list[Break] = []
        self.once: set[str] = set()
        self.moved_seen: set[tuple[int, datetime]] = set()
        self.first_seen: dict[str, datetime] = {}
        self.known: set[str] = set()  # documented limitations met (not breaks)
        self.now = people.start
        self.subject = "1-2-1: {manager} & {report}"  # (the soak's settings': the default)

    def bad(self, text: str, *who: str, key: str = "") -> None:
        """Record a break; with ``key``, only the first time (a state that lasts)."""
        if key:
            if key in self.once:
                return
            self.once.add(key)
        self.breaks.append(Break(self.now, text, tuple(w.lower() for w in who)))

    def all(self, now: datetime, report: TickReport) -> list[Break]:
        """Check everything after a tick; the new breaks."""
        self.now, before = now, len(self.breaks)
        for step in report.failed_steps:
            self.bad(f"failed step: {step}")
        for part in ("agenda", "capture", "mail"):
            got = getattr(report, part)
            if got is not None and getattr(got, "failed", None):
                self.bad(f"{part} failed: {got.failed}")
        self.series(now)
        self.pairings(now)
        self.meets(now)
        self.stale(now)
        self.mail()
        self.moves_onto_absence(now)
        self.held_on_absence(now)
        self.summaries(now)
        self.subjects(now)
        return self.breaks[before:]

    # -- calendars ---------------------------------------------------------------------

    def one_to_ones(self, manager: str, report: str, now: datetime) -> list[tuple[str, Any]]:
        """The live series in the manager's calendar between exactly these two, with their
        occurrences in the next 30 weeks (a series the manager declined does not count)."""
        user = self.t.find_user(manager)
        if user is None:
            return []
        out, pair = [], {manager.lower(), report.lower()}
        for e in self.t.state["events"].get(user["id"], {}).values():
            if e.get("type") != "seriesMaster" or e.get("isCancelled"):
                continue
            people = {str(a["emailAddress"]["address"]).lower() for a in e.get("attendees")
                      or []}
            org = str(((e.get("organizer") or {}).get("emailAddress") or {}).get("address")
                      or "").lower()
            if org not in pair or (people | {org}) != pair:
                continue
            if not e.get("isOrganizer") and any(
                    (a.get("status") or {}).get("response") == "declined"
                    and str(a["emailAddress"]["address"]).lower() == manager.lower()
                    for a in e.get("attendees") or []):
                continue
            items = [o for o in sandbox_occurrences(e, now, now + timedelta(weeks=30))
                     if not o.get("isCancelled")]
            if items:
                out.append((e["id"], items))
        return out

    def series(self, now: datetime) -> None:
        """One live series per pair, in the manager's calendar and in the report's (where a
        cancellation that never arrived, a restored report's, would leave a second)."""
        for manager, report in self.p.pairs():
            for owner, other, whose in ((manager, report, ""), (report, manager, "report's ")):
                found = self.one_to_ones(owner, other, now)
                spans = sorted((items[0]["start"]["dateTime"], items[-1]["start"]["dateTime"],
                                i) for i, items in found)
                for a, b in itertools.pairwise(spans):
                    if b[0] <= a[1]:
                        self.bad(f"two live series in the {whose}calendar {manager} / "
                                 f"{report}: {a} and {b}", manager, report)

    def pairings(self, now: datetime) -> None:
        views = {(v.manager.email.lower(), v.report.email.lower()): v
                 for v in self.store.views()}
        for manager, report in self.p.pairs():
            v = views.get((manager.lower(), report.lower()))
            if v is None:
                self.bad(f"no pairing for {manager} / {report}", manager, report)
                continue
            p = v.pairing
            if p.status in (PairingStatus.SERIES_DELETED, PairingStatus.OWN_SERIES):
                continue
            if p.status != PairingStatus.ACTIVE:
                self.bad(f"pairing {manager} / {report} is {p.status} though in the directory",
                         manager, report, key=f"status{p.key}{p.status}")
            elif v.series is None and not p.note:
                self.bad(f"active pair {manager} / {report} has no series and no reason",
                         manager, report)

    def meets(self, now: datetime) -> None:
        deleted = self.p.done_to_series(" deleted series ")  # the manager chose so
        # A series the manager gave an end date in Outlook is followed once onetoone next
        # lists it (how-it-decides.md, "Cut short by the manager"), and the pair is ended
        # (or takes on a new series) by the tick after the cut series' last day, not before
        # (its meetings up to the end still happen). Until then it may have no meeting of a
        # series ahead (its last one cancelled and replaced by a single meeting, or a
        # monthly pair's next agenda weeks away): counted, not a break.
        shortened = self.p.done_to_series(" shortened ")
        horizon = (now + timedelta(weeks=6)).strftime("%Y-%m-%d")
        for v in self.store.views([PairingStatus.ACTIVE]):
            if pair(v) in deleted:
                continue
            if v.pairing.created_at and v.pairing.created_at > now - timedelta(days=2):
                continue
            found = self.one_to_ones(v.manager.email, v.report.email, now)
            if not any(o["start"]["dateTime"][:10] <= horizon for _i, items in found
                       for o in items):
                if pair(v) in shortened and (
                        v.series is None or not is_cut(v.series)
                        or v.series.updated_at > now - timedelta(days=1)
                        or (v.series.range_end is not None
                            and v.series.range_end >= (now - timedelta(days=1)).date())):
                    self.known.add(f"no meeting ahead after an end date set in Outlook, not "
                                   f"followed yet: {pair(v)}")
                    continue
                self.bad(f"active pair {v.manager.email} / {v.report.email} has no meeting in "
                         f"the next six weeks (series "
                         f"{v.series and (v.series.status, v.series.event_id)}, note "
                         f"{v.pairing.note!r})", v.manager.email, v.report.email,
                         key=f"meets{v.pairing.key}")

    def stale(self, now: datetime) -> None:
        """A series of ours, live a day after its pair stopped being one. One that runs on in
        Outlook (no end date there) is cancelled a stretch at a time, always at least
        [policy] months_ahead (the default, 6 months) ahead: only meetings within that must
        be cancelled (docs/how-it-decides.md, *A series with no end date*)."""
        pairs = {(m.lower(), r.lower()) for m, r in self.p.pairs()}
        running_on = {s.event_id for s in self.store.running_on()}
        for uid, events in self.t.state["events"].items():
            user = self.t.state["users"].get(uid)
            if user is None:
                continue
            for e in events.values():
                tags = {x["id"]: x["value"] for x in e.get("singleValueExtendedProperties")
                        or []}
                if PAIRING_PROPERTY not in tags or not e.get("isOrganizer") or e.get(
                        "isCancelled") or e.get("type") != "seriesMaster":
                    continue
                others = [str(a["emailAddress"]["address"]).lower()
                          for a in e.get("attendees") or []]
                if len(others) != 1 or (user["mail"].lower(), others[0]) in pairs:
                    continue
                ahead = (datetime.combine(add_months(now.date(), MONTHS_AHEAD), now.timetz())
                         if e["id"] in running_on else now + timedelta(weeks=30))
                items = [o for o in sandbox_occurrences(e, now + timedelta(days=2), ahead)
                         if not o.get("isCancelled")]
                if items and self.first_seen.setdefault(e["id"], now) < now - timedelta(
                        days=1):
                    self.bad(f"stale series {user['mail']} -> {others[0]} (next "
                             f"{items[0]['start']})", user["mail"], others[0],
                             key="stale" + e["id"])

    # -- mail --------------------------------------------------------------------------

    def mail(self) -> None:
        seen: Counter[tuple[str, int]] = Counter(
            (m.kind, m.occurrence_id) for m in self.store.outbox()
            if m.status == "sent" and m.occurrence_id is not None)
        for (kind, occurrence), n in seen.items():
            if n > 1:
                self.bad(f"{kind} mail for occurrence {occurrence} sent {n} times",
                         key=f"mail{kind}{occurrence}")
        for user in self.p.users():  # what people received: one mail per subject and sender
            got: Counter[tuple[str, str]] = Counter()
            for m in self.t.messages(user):
                sender = str(((m.get("from") or {}).get("emailAddress") or {}).get("address"))
                subject = str(m.get("subject") or "")
                if "@" in sender and not m.get("meetingMessageType") and not (
                        subject.lower().startswith(AUTOMATIC)):
                    got[(sender, subject)] += 1
            for (sender, subject), n in got.items():
                if n > 1:
                    self.bad(f"{user['mail']} got {n} mails '{subject}' from {sender}",
                             user["mail"], sender, key=f"dup{sender}{subject}{user['mail']}")

    def summaries(self, now: datetime) -> None:
        sent = {m.occurrence_id for m in self.store.outbox() if m.kind == "summary"}
        for v in self.store.views():
            for o in self.store.pairing_occurrences(v.pairing.id):
                if o.event_id in self.p.typed_notes and o.end < now - timedelta(days=2) and (
                        o.id not in sent):
                    self.bad(f"notes typed into {v.manager.email} / {v.report.email} "
                             f"{o.start} ({o.status}) but no summary", v.manager.email,
                             v.report.email, key=f"sum{o.id}")

    # -- leave, holidays, working days -------------------------------------------------

    def days_off(self, email: str, day: date, span: tuple[datetime, datetime] | None = None
                 ) -> str:
        """Why ``day`` is not a working day for this person, or ''. Leave is judged by its
        instants when ``span`` (the meeting's) is given: an all-day event keeps the zone it
        was booked in (free/busy, what onetoone reads, says the same), so for someone who
        moved abroad since, the day in their new zone is not what it covers."""
        user = self.t.find_user(email)
        if user is None:
            return ""
        days = {WEEKDAYS.index(d) for d in
                user["mailboxSettings"]["workingHours"].get("daysOfWeek") or []}
        groups = {self.t.state["groups"][g]["displayName"] for g in user["groups"]}
        code = next((HOLIDAYS[g] for g in (GROUP_NY, *HOLIDAYS) if g in groups), "GB-ENG")
        if day.weekday() not in days:
            return "non-working day"
        holidays = holiday_calendar(code, range(day.year, day.year + 1)).days
        if day in holidays:
            return f"holiday {holidays[day]}"
        for e in self.t.state["events"].get(user["id"], {}).values():
            if not (e.get("isAllDay") and e.get("showAs") == "oof"):
                continue
            if span is None:
                if e["start"]["dateTime"][:10] <= day.isoformat() < e["end"]["dateTime"][:10]:
                    return "leave"
                continue
            zone = ZoneInfo(to_iana(e["start"].get("timeZone") or "UTC"))
            first = datetime.fromisoformat(e["start"]["dateTime"][:19]).replace(tzinfo=zone)
            last = datetime.fromisoformat(e["end"]["dateTime"][:19]).replace(tzinfo=zone)
            if first < span[1] and span[0] < last:
                return "leave"
        return ""

    def outside_hours(self, email: str, start: datetime, end: datetime) -> bool:
        """Whether [start, end) falls outside the person's working hours as they are now."""
        user = self.t.find_user(email)
        if user is None:
            return False
        hours = user["mailboxSettings"]["workingHours"]
        zone = self.p.zone_of(email)
        first, last = start.astimezone(zone), end.astimezone(zone)
        return (first.strftime("%H:%M") < str(hours.get("startTime", "00:00"))[:5]
                or last.strftime("%H:%M") > str(hours.get("endTime", "23:59"))[:5]
                or first.date() != last.date())

    def local_day(self, email: str, at: datetime) -> date:
        return at.astimezone(self.p.zone_of(email)).date() if self.t.find_user(email) \
            else at.date()

    def moves_onto_absence(self, now: datetime) -> None:
        for v in self.store.views([PairingStatus.ACTIVE]):
            for o in self.store.pairing_occurrences(v.pairing.id):
                if o.start < now or o.absence_state != "moved" or o.status == "cancelled" or (
                        (o.id, o.start) in self.moved_seen):
                    continue
                self.moved_seen.add((o.id, o.start))
                for who in (v.manager, v.report):
                    day = self.local_day(who.email, o.start)
                    off = self.days_off(who.email, day, (o.start, o.end))
                    if off:
                        self.bad(f"{v.manager.email} / {v.report.email} meeting moved to {day} "
                                 f"onto {who.email}'s {off} (from {o.original_start}, reason "
                                 f"{o.moved_reason})", v.manager.email, v.report.email)

    def subjects(self, now: datetime) -> None:
        """A series onetoone booked names its pair in its subject as the store (so the
        directory) does now, once a run has read a rename (how-it-decides.md, "Subject")."""
        views = {v.pairing.id: v for v in self.store.views()}
        for series in self.store.all_live_series():
            view = views.get(series.pairing_id)
            if (view is None or not series.event_id or series.transaction_id.startswith("own-")
                    or series.range_end < now.date()):
                continue
            master = self.t.state["events"].get(view.manager.id, {}).get(series.event_id)
            if master is None or master.get("isCancelled"):
                continue
            want = self.subject.format(manager=view.manager.name, report=view.report.name)
            if master.get("subject") != want:
                self.bad(f"series {series.id} subject {master.get('subject')!r}, not {want!r}",
                         view.manager.email, view.report.email, key=f"subject{series.id}{want}")

    def pairs_own(self, series: Any) -> bool:
        """Whether ``series`` keeps a time the pair chose: adopted from Outlook, or a follow-on
        of one (extensions carry the pair's pattern on with onetoone's own transactionId:
        how-it-decides.md, "A 1-2-1 the pair already has" and "Re-timed by the manager")."""
        seen: set[int] = set()
        while series is not None and series.id not in seen:
            if series.transaction_id.startswith(("adopted-", "own-")):
                return True
            seen.add(series.id)
            follows = FOLLOWS.search(series.slot_note or "")
            series = self.store.series(int(follows.group(1))) if follows else None
        return False

    def held_on_absence(self, now: datetime) -> None:
        """A meeting of ours one to two days ahead on someone's day off (a hand-made series
        adopted as it is, or its follow-on, or one the manager re-timed in Outlook, may keep a
        non-working day: the pair chose it (onetoone follows the manager's pattern); one inside
        a long absence is left where it is on purpose, with no update to mail the absent
        person, and one with no free time to move to stays, the manager told)."""
        retimed = self.p.done_to_series(" retimed ")
        for v in self.store.views([PairingStatus.ACTIVE]):
            for o in self.store.pairing_occurrences(v.pairing.id):
                if not (now + timedelta(hours=12) < o.start < now + timedelta(days=2)) or (
                        o.status not in ("scheduled", "moved")) or (
                        o.absence_state in ("skipped", "no_slot")):
                    continue
                series = self.store.series(o.series_id)
                adopted = self.pairs_own(series)
                theirs = (adopted or pair(v) in retimed) and o.absence_state != "moved"
                for who in (v.manager, v.report):
                    # (a series booked at a compromise time says so in its slot note)
                    if not theirs and series is not None and not series.slot_note and (
                            self.outside_hours(who.email, o.start, o.end)):
                        self.known.add(f"meetings outside {who.email}'s working hours (a "
                                       f"move abroad since booking?): {pair(v)}")
                    day = self.local_day(who.email, o.start)
                    off = self.days_off(who.email, day, (o.start, o.end))
                    moved_at = self.p.relocated_at.get(who.email.lower())
                    if off.startswith("holiday") and moved_at is not None and (
                            o.start - moved_at < RELOCATION_NOTICED):
                        # A new office's holiday: the move is learnt from the next free/busy
                        # answer about the person (none is asked for it alone: see "Someone
                        # moves to another time zone" in docs/how-it-decides.md), which can
                        # come after this meeting's absence check.
                        self.known.add(f"a meeting on a public holiday of the office "
                                       f"{who.email} moved to days before: {pair(v)}")
                        continue
                    if off and not (theirs and off == "non-working day"):
                        self.bad(f"{v.manager.email} / {v.report.email} meeting {o.start} on "
                                 f"{who.email}'s {off} ({day}; absence state "
                                 f"{o.absence_state}, status {o.status})", v.manager.email,
                                 v.report.email, key=f"abs{o.id}{o.start}")
