"""The soak's organisation and what its people do in Outlook and the directory.

A five-level tree (a chief; vice-presidents in London, New York, Sydney and London again;
directors; managers; individual contributors, some part-time, some new starters), a third
of its pairs already meeting in a hand-made recurring 1-2-1 (weekly, fortnightly, every
three weeks, monthly, one the report organises, some ending soon). Each simulated week
brings movers (one who comes back a week later), a manager moving with their team, a
joiner, a promotion, a leaver (deleted, disabled, or restored a week later), someone
relocating to another time zone, leave, a manager deleting, re-timing or shortening a
series, a cancelled meeting, reports declining; managers type notes after their meetings
and reports answer prep mails and pick rebooking offers.

Everything is drawn from one ``random.Random(seed)``: a seed replays the same weeks.
Everything done is appended to ``People.log`` as ``"<instant> <what> <who>..."``, so a
broken invariant can be shown with the steps that touched the same people.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from service.domain.model import WEEKDAYS
from service.domain.status import PairingStatus, SeriesStatus
from service.domain.timezones import to_iana

if TYPE_CHECKING:
    from service.domain.records import PairingView
    from service.sandbox import SandboxTenant
    from service.store.repo import Store

DOMAIN = "soak.example"
BOX = f"onetoone@{DOMAIN}"  # the service mailbox (topics, replies, rebooking picks)
LONDON, NEW_YORK, SYDNEY = ("GMT Standard Time", "Eastern Standard Time",
                            "AUS Eastern Standard Time")
GROUP_NY, GROUP_SYD = "New York office", "Sydney office"
ZONE_GROUPS = {NEW_YORK: GROUP_NY, SYDNEY: GROUP_SYD}
HOLIDAYS = {GROUP_NY: "US-NY", GROUP_SYD: "AU-NSW"}  # everyone else: the default, England
VP_ZONES = (LONDON, NEW_YORK, SYDNEY, LONDON)
FAN_OUT = 3  # vice-presidents have three directors, directors three managers (150 people)


def stamp(now: datetime) -> str:
    return f"{now:%Y-%m-%d %H:%M}"


def event_id(view: PairingView) -> str:
    return (view.series.event_id if view.series else "") or ""


def roll(text: str) -> int:
    """A deterministic number from an id (``hash()`` changes between processes)."""
    return sum(map(ord, text))


class People:
    """The organisation in the sandbox tenant, and its people's doings."""

    def __init__(self, tenant: SandboxTenant, store: Store, seed: int, start: datetime) -> None:
        self.t, self.store, self.start = tenant, store, start
        self.rng = random.Random(seed)
        # Renames draw from their own generator: a seed replays the other weeks as before.
        self.rename_rng = random.Random(f"rename-{seed}")
        self.n = 0
        self.log: list[str] = []
        self.level3: list[dict[str, Any]] = []  # the managers of individual contributors
        self.ceo_id = ""
        self.typed: set[str] = set()  # occurrences looked at for notes
        self.typed_notes: set[str] = set()  # ... and those notes were typed into
        self.answered: set[str] = set()  # messages replied to or acted on
        self.move_back: list[tuple[str, str]] = []
        self.rehire: list[str] = []
        self.relocated_at: dict[str, datetime] = {}  # email (lower case) -> last move

    def did(self, now: datetime, text: str) -> None:
        self.log.append(f"{stamp(now)} {text}")

    def done_to_series(self, what: str) -> set[str]:
        """The pairs ("manager -> report", lower case) whose series someone did ``what`` to
        (a log phrase such as " deleted series "), not refused."""
        out = set()
        for line in self.log:
            if what in line and not line.endswith(")"):
                out.add(" ".join(line.split(what)[1].split()[:3]).lower())
        return out

    # -- the organisation --------------------------------------------------------------

    def person(self, manager: Any, zone: str, level: int, hire: date | None = None) -> Any:
        self.n += 1
        n = self.n
        hours = None
        if level == 4 and n % 9 == 0:
            hours = {"daysOfWeek": ["monday", "tuesday", "wednesday", "thursday"]}
        elif level == 4 and n % 13 == 0:
            hours = {"daysOfWeek": ["tuesday", "wednesday", "thursday"]}
        if hire is None and level == 4 and n % 7 == 3:  # a new starter: their 90 days end soon
            hire = self.start.date() - timedelta(days=60 + n % 25)
        group = [ZONE_GROUPS[zone]] if zone in ZONE_GROUPS else []
        return self.t.add_user(
            f"P{n} Person{n}", f"p{n}@{DOMAIN}", manager=manager, time_zone=zone,
            hire_date=hire or date(2015 + n % 10, 1 + n % 12, 1), working_hours=hours,
            groups=group)

    def build(self, people: int) -> None:
        """About ``people`` people in five levels; the fan-out shrinks for small orgs."""
        fan = FAN_OUT
        while fan > 1 and 1 + len(VP_ZONES) * (1 + fan + fan * fan * 3.7) > people * 1.15:
            fan -= 1
        ceo = self.person(None, LONDON, 0)
        self.ceo_id = ceo["id"]
        for zone in VP_ZONES:
            vp = self.person(ceo, zone, 1)
            for _ in range(fan):
                director = self.person(vp, zone, 2)
                for _ in range(fan):
                    self.level3.append(self.person(director, zone, 3))
        # Individual contributors, two or three a manager, round-robin so a small org keeps
        # every zone; at least one each.
        left = max(people - self.n, len(self.level3))
        counts = [1] * len(self.level3)
        left -= len(self.level3)
        while left > 0:
            for i in self.rng.sample(range(len(counts)), len(counts)):
                if left and counts[i] < 3:
                    counts[i] += 1
                    left -= 1
            if all(c >= 3 for c in counts):
                break
        for manager, count in zip(self.level3, counts, strict=True):
            zone = manager["mailboxSettings"]["timeZone"]
            for _ in range(count):
                self.person(manager, zone, 4)

    def zone_of(self, email: str) -> ZoneInfo:
        return ZoneInfo(to_iana(self.t.user(email)["mailboxSettings"]["timeZone"]))

    def users(self) -> list[dict[str, Any]]:
        return [u for u in self.t.state["users"].values() if u["mail"] != BOX]

    def pairs(self) -> list[tuple[str, str]]:
        """(manager, report) of every enabled pair in the directory, by email."""
        users = self.t.state["users"]
        out = []
        for u in users.values():
            m = u.get("manager_id")
            if m and m in users and u["accountEnabled"] and users[m]["accountEnabled"]:
                out.append((users[m]["mail"], u["mail"]))
        return out

    def ics(self) -> list[dict[str, Any]]:
        users = self.t.state["users"]
        managers = {u.get("manager_id") for u in users.values()}
        return [u for u in users.values() if u["id"] not in managers and u.get("manager_id")
                and u["accountEnabled"]]

    def live_level3(self) -> list[dict[str, Any]]:
        return [m for m in self.level3 if m["id"] in self.t.state["users"]]

    def hand_made(self) -> None:
        """A third of the pairs already meet in a series of their own."""
        for i, (manager, report) in enumerate(sorted(self.pairs())):
            if i % 3:
                continue
            kind = i // 3 % 6
            organizer, other = (report, manager) if kind == 4 else (manager, report)
            zone = self.zone_of(organizer)
            day = (self.start - timedelta(weeks=10)).date() + timedelta(
                days=self.rng.randrange(5))
            start = datetime.combine(day, time(self.rng.choice([10, 11, 13, 14, 15]), 0),
                                     tzinfo=zone)
            wd = WEEKDAYS[day.weekday()]
            rng: dict[str, Any] = {"type": "noEnd", "startDate": day.isoformat()}
            if kind == 5:
                until = (self.start + timedelta(weeks=self.rng.randrange(2, 6))).date()
                rng = {"type": "endDate", "startDate": day.isoformat(),
                       "endDate": until.isoformat()}
            if kind == 3:
                pattern = {"type": "relativeMonthly", "interval": 1, "daysOfWeek": [wd],
                           "index": "second", "firstDayOfWeek": "sunday"}
            else:
                pattern = {"type": "weekly", "interval": {1: 2, 2: 3, 4: 2}.get(kind, 1),
                           "daysOfWeek": [wd], "firstDayOfWeek": "sunday"}
            self.t.add_event(organizer, f"{other.split('@')[0]} / "
                             f"{organizer.split('@')[0]} catch-up", start,
                             start + timedelta(minutes=30),
                             {"pattern": pattern, "range": rng}, attendees=[other])
            self.did(self.start, f"hand-made series {organizer} -> {other}: "
                     f"{pattern['type']} x{pattern['interval']} {rng['type']}")

    # -- the directory, weekly ---------------------------------------------------------

    def directory_changes(self, now: datetime) -> None:
        t, rng = self.t, self.rng
        for _ in range(2):  # movers
            who = rng.choice(self.ics())
            new = rng.choice(self.live_level3())
            if new["id"] != who.get("manager_id"):
                t.set_manager(who, new)
                self.did(now, f"mover {who['mail']} -> {new['mail']}")
        for mover, back_to in self.move_back:  # last week's mover goes back
            if mover in t.state["users"] and back_to in t.state["users"]:
                t.set_manager(mover, back_to)
                self.did(now, f"moved back {t.user(mover)['mail']} -> "
                         f"{t.user(back_to)['mail']}")
        self.move_back = []
        who = rng.choice(self.ics())
        old, new = who.get("manager_id"), rng.choice(self.live_level3())
        if old and new["id"] != old:
            t.set_manager(who, new)
            self.move_back.append((who["id"], old))
            self.did(now, f"mover (to come back) {who['mail']} -> {new['mail']}")
        # A manager moves to another director, with their team.
        m = rng.choice(self.live_level3())
        users = t.state["users"]
        directors = [u for u in users.values() if u.get("manager_id") and
                     users.get(u["manager_id"], {}).get("manager_id") == self.ceo_id]
        d = rng.choice(directors)
        if d["id"] != m.get("manager_id"):
            t.set_manager(m, d)
            self.did(now, f"manager mover {m['mail']} -> {d['mail']}")
        manager = rng.choice(self.live_level3())
        joiner = self.person(manager, manager["mailboxSettings"]["timeZone"], 4,
                             hire=now.date())
        self.did(now, f"joiner {joiner['mail']} under {manager['mail']}")
        ic = rng.choice(self.ics())  # a promotion: a first report
        joiner = self.person(ic, ic["mailboxSettings"]["timeZone"], 4,
                             hire=now.date() - timedelta(days=200))
        self.did(now, f"promotion: {joiner['mail']} now under {ic['mail']}")
        for email in self.rehire:  # last week's leaver is back (restored within 30 days)
            try:
                t.restore_user(email)
                self.did(now, f"restored {email}")
            except StopIteration:
                pass
        self.rehire = []
        leaver = rng.choice(self.ics())
        if rng.random() < 0.5:
            t.remove_user(leaver)
            if rng.random() < 0.5:
                self.rehire.append(leaver["mail"])
            self.did(now, f"leaver (deleted) {leaver['mail']}")
        else:
            t.disable_user(leaver)
            self.did(now, f"leaver (disabled) {leaver['mail']}")
        self.relocate(now)
        self.rename(now)

    def rename(self, now: datetime) -> None:
        """A manager and someone else change their display names (a marriage, a transition):
        the subjects of their series to come must follow."""
        for who in (self.rename_rng.choice(self.live_level3()),
                    self.rename_rng.choice(self.users())):
            first = str(who["displayName"]).split()[0]
            who["displayName"] = f"{first} Renamed{self.rename_rng.randrange(10_000)}"
            self.did(now, f"renamed {who['mail']} -> {who['displayName']}")

    def relocate(self, now: datetime) -> None:
        """Someone moves office: their mailbox's time zone, working hours' zone and office
        group (so their public holidays) change together."""
        mover = self.rng.choice(self.users())
        settings = mover["mailboxSettings"]
        zones = [z for z in (LONDON, NEW_YORK, SYDNEY) if z != settings["timeZone"]]
        zone = self.rng.choice(zones)
        settings["timeZone"] = zone
        settings["workingHours"]["timeZone"] = {"name": zone}
        groups = self.t.state["groups"]
        by_name = {g["displayName"]: gid for gid, g in groups.items()}
        mover["groups"] = [g for g in mover["groups"]
                           if groups[g]["displayName"] not in ZONE_GROUPS.values()]
        if zone in ZONE_GROUPS:
            mover["groups"].append(by_name[ZONE_GROUPS[zone]])
        self.relocated_at[mover["mail"].lower()] = now
        self.did(now, f"relocated {mover['mail']} to {zone}")

    # -- calendars, weekly -------------------------------------------------------------

    def active_views(self) -> list[PairingView]:
        return [v for v in self.store.views([PairingStatus.ACTIVE]) if v.series is not None
                and v.series.status == SeriesStatus.ACTIVE and v.series.event_id]

    def calendar_changes(self, now: datetime, week: int) -> None:
        t, rng = self.t, self.rng
        own = self.store.views([PairingStatus.OWN_SERIES])
        if own:  # a report deletes the series they organise themselves
            v = rng.choice(own)
            ruid = t.user(v.report.email)["id"] if t.find_user(v.report.email) else ""
            for e in list(t.state["events"].get(ruid, {}).values()):
                people = {str(a["emailAddress"]["address"]).lower()
                          for a in e.get("attendees") or []}
                if e.get("isOrganizer") and e.get("type") == "seriesMaster" and people == {
                        v.manager.email.lower()}:
                    t.person_cancel(v.report.email, e["id"])
                    self.did(now, f"report deleted own series {v.report.email} -> "
                             f"{v.manager.email}")
        self.cancel_one(now)
        for _ in range(3):  # a few people book a few days off two to four weeks ahead
            who = rng.choice(self.users())
            monday = (now + timedelta(weeks=rng.randrange(2, 5))).date()
            monday -= timedelta(days=monday.weekday())
            last = monday + timedelta(days=rng.choice([0, 2, 4]))
            t.add_absence(who, monday, last)
            self.did(now, f"leave {who['mail']} {monday}..{last}")
        if week == 2:  # a manager books three weeks off, a fortnight ahead
            who = rng.choice(self.live_level3())
            monday = (now + timedelta(weeks=2)).date()
            t.add_absence(who, monday, monday + timedelta(days=18))
            self.did(now, f"long leave {who['mail']} {monday}..{monday + timedelta(days=18)}")
        views = self.active_views()
        if not views:
            return
        v = rng.choice(views)  # a manager deletes a series in Outlook
        self.attempt(now, f"deleted series {v.manager.email} -> {v.report.email}",
                     partial(t.person_cancel, v.manager.email, event_id(v)))
        # A manager re-times one, from one of its meetings ahead (the series the pair meets
        # on now: a new starter's monthly follow-on, booked months ahead, is not it).
        v = self.meeting_now(rng.choice(views), now)
        z = self.zone_of(v.manager.email)
        day = (now + timedelta(days=rng.randrange(7, 14))).astimezone(z).date()
        while day.weekday() > 4:
            day += timedelta(days=1)
        start = datetime.combine(day, time(rng.choice([10, 12, 14]), 30), tzinfo=z)
        minutes = v.series.minutes if v.series else 30
        self.attempt(now, f"retimed {v.manager.email} -> {v.report.email} to {start}",
                     partial(t.person_retime_series, v.manager.email, event_id(v), start,
                             start + timedelta(minutes=minutes)))
        self.shorten(now, self.meeting_now(rng.choice(views), now))
        for _ in range(2):  # reports decline a meeting in the coming week
            self.decline_one(now)

    def meeting_now(self, v: PairingView, now: datetime) -> PairingView:
        """The pair with the series of theirs whose meetings come first (an earlier series
        the live one follows on from, until its last day), as the manager finds it by
        opening the next 1-2-1 in Outlook."""
        today = now.date()
        running = [s for s in self.store.pairing_series(v.pairing.id)
                   if s.status in (SeriesStatus.ACTIVE, SeriesStatus.SUPERSEDED)
                   and s.event_id and s.range_end >= today]
        return replace(v, series=min(running, key=lambda s: (s.first_date, s.id),
                                     default=v.series))

    def shorten(self, now: datetime, v: PairingView) -> None:
        """The manager gives the series an end date three to five weeks away (the first
        meeting's time kept), as from Outlook's series form."""
        t = self.t
        mid = t.user(v.manager.email)["id"]
        master = t.state["events"].get(mid, {}).get(event_id(v))
        if master is None or master.get("type") != "seriesMaster":
            return
        recurrence = dict(master["recurrence"])
        until = (now + timedelta(weeks=self.rng.randrange(3, 6))).date()
        end = recurrence["range"].get("endDate")
        if recurrence["range"].get("type") == "endDate" and end and until >= date.fromisoformat(
                end):
            return  # it ends sooner already: that would lengthen it
        recurrence["range"] = {**recurrence["range"], "type": "endDate",
                               "endDate": until.isoformat()}
        zone = ZoneInfo(to_iana(master["start"]["timeZone"]))
        first = datetime.fromisoformat(master["start"]["dateTime"][:19]).replace(tzinfo=zone)
        last = datetime.fromisoformat(master["end"]["dateTime"][:19]).replace(tzinfo=zone)
        self.attempt(now, f"shortened {v.manager.email} -> {v.report.email} to end {until}",
                     lambda: t.person_retime_series(v.manager.email, master["id"], first, last,
                                                    recurrence))

    def attempt(self, now: datetime, text: str, act: Any) -> bool:
        try:
            act()
        except Exception as exc:  # the sandbox refuses what Outlook would refuse
            self.did(now, f"{text}: refused ({exc})")
            return False
        self.did(now, text)
        return True

    def soon(self, now: datetime, statuses: tuple[str, ...]) -> list[tuple[Any, Any]]:
        """(view, occurrence) of meetings one to seven days ahead, shuffled."""
        views = [v for v in self.store.views([PairingStatus.ACTIVE]) if v.series is not None]
        self.rng.shuffle(views)
        return [(v, o) for v in views for o in self.store.pairing_occurrences(v.pairing.id)
                if now + timedelta(days=1) < o.start < now + timedelta(days=7)
                and o.status in statuses]

    def cancel_one(self, now: datetime) -> None:
        for v, o in self.soon(now, ("scheduled",))[:1]:
            self.attempt(now, f"cancelled {v.manager.email} -> {v.report.email} {o.start}",
                         lambda v=v, o=o: self.t.person_cancel(v.manager.email, o.event_id,
                                                               "Sorry, clash"))

    def decline_one(self, now: datetime) -> None:
        """A report declines one meeting (an exception of the series, as Exchange keeps)."""
        from service.sandbox.calendar import _touch
        from service.sandbox.wire import iso_utc

        t = self.t
        for v, o in self.soon(now, ("scheduled", "moved")):
            series = self.store.series(o.series_id)
            if series is None or not series.event_id or not t.find_user(v.manager.email):
                continue
            mid = t.user(v.manager.email)["id"]
            master = t.state["events"].get(mid, {}).get(series.event_id)
            if master is None or master.get("type") != "seriesMaster":
                continue
            if iso_utc(o.original_start) in (master.get("_cancelled") or ()):
                continue  # cancelled by the manager meanwhile: nothing left to decline
            with t._lock:
                exc = master.setdefault("_exceptions", {}).setdefault(
                    iso_utc(o.original_start), {})
                exc["attendees"] = [
                    {"emailAddress": {"address": v.report.email, "name": v.report.name},
                     "type": "required",
                     "status": {"response": "declined", "time": iso_utc(now)}}]
                _touch(t, master)
            self.did(now, f"declined {v.manager.email} -> {v.report.email} {o.start}")
            return

    # -- every tick --------------------------------------------------------------------

    def type_notes(self, now: datetime) -> None:
        """After a meeting, three managers in four type notes, half of them actions."""
        for v in self.store.views([PairingStatus.ACTIVE]):
            for o in self.store.pairing_occurrences(v.pairing.id):
                if o.end > now or o.end < now - timedelta(hours=12) or not o.event_id:
                    continue
                if o.event_id in self.typed or o.agenda_state != "injected":
                    continue
                self.typed.add(o.event_id)
                if o.status not in ("scheduled", "moved") or (roll(o.event_id) + o.id) % 4 == 0:
                    continue
                first = v.report.name.split()[0]
                lines = "<p>Talked about workload and the next project.</p>"
                if (roll(o.event_id) + o.id) % 4 >= 2:
                    lines += f"<p>Actions agreed</p><p>{first}: draft the plan by Friday</p>"
                try:
                    html = self.t.person_body(v.manager.email, o.event_id)
                except Exception:
                    continue
                at = re.search(r'id="onetoone-notes"[^>]*>', html)
                if at is None:
                    continue
                html = html[:at.end()] + lines + html[at.end():]
                if self.attempt(now, f"typed notes {v.manager.email} -> {v.report.email} "
                                f"{o.start}", partial(self.edit_body, v.manager.email,
                                                      o.event_id, html)):
                    self.typed_notes.add(o.event_id)

    def edit_body(self, mailbox: str, event_id: str, html: str) -> None:
        """Type into a meeting and save without sending an update: an occurrence of a
        series, or a single meeting (a rebooked one)."""
        from service.sandbox.calendar import _touch
        from service.sandbox.occurrences import find_event

        with self.t._lock:
            event, occurrence, _ = find_event(self.t, self.t.user(mailbox)["id"], event_id)
            if occurrence is None and event.get("type") == "singleInstance":
                event["body"] = {"contentType": "html", "content": html}
                _touch(self.t, event)
                return
        self.t.person_edit_body(mailbox, event_id, html)

    def answer_mail(self, now: datetime) -> None:
        """Half the prep mails get topics back; two rebooking offers in three get a pick."""
        from service.sandbox.mail import compose, reply

        for user in self.users():
            for m in self.t.messages(user):
                if m["id"] in self.answered:
                    continue
                subject = str(m.get("subject") or "").lower()
                body = str((m.get("body") or {}).get("content") or "")
                links = re.findall(r'mailto:([^?"]+\+book\.[^?"]+)\?subject=([^"&]+)', body)
                if links:
                    self.answered.add(m["id"])
                    if roll(m["id"]) % 3:
                        address, pick = links[roll(m["id"]) % len(links)]
                        compose(self.t, user["mail"], [address], unquote(pick), "<p></p>")
                        self.did(now, f"rebook pick by {user['mail']}: {unquote(pick)}")
                elif any(w in subject for w in ("talk about", "prep", "coming up")):
                    self.answered.add(m["id"])
                    if roll(m["id"]) % 2 == 0:
                        reply(self.t, user["mail"], m, "Career plans for next year\nWorkload")
                        self.did(now, f"topics sent by {user['mail']}")
