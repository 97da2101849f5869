"""Free/busy questions of several managers asked together, in as few getSchedule calls as
Graph allows: any mailbox the app may read can ask about anyone, so one call asked through
one manager's calendar carries other managers' questions too, while it stays one window
(at most 61 days) of at most 20 addresses. Several calls go together in ``$batch``.

Used by the absence check and by the rebooking offers: each gathers the questions due in a
run (one per manager), packs them, and reads every manager's calendars from their pack's
answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from service.domain.events import MailboxInfo, ScheduleItem, ScheduleQuery
from service.graph.client import GraphClient
from service.graph.wire import SCHEDULE_CHUNK, SCHEDULE_MAX_DAYS

ONE_WINDOW = timedelta(days=SCHEDULE_MAX_DAYS - 1)  # a packed call stays one getSchedule

Calendars = dict[str, list[ScheduleItem] | None]  # lower-cased address -> items, None: unknown


@dataclass
class Pack:
    """Questions asked in one getSchedule call: one window, at most 20 addresses."""

    organizer: str
    emails: list[str]
    start: datetime
    end: datetime
    questions: dict[str, ScheduleQuery] = field(default_factory=dict)  # organizer -> own

    def fits(self, emails: Sequence[str], start: datetime, end: datetime) -> bool:
        grown = len(set(self.emails) | set(emails))
        return (grown <= SCHEDULE_CHUNK
                and max(self.end, end) - min(self.start, start) <= ONE_WINDOW)

    def add(self, emails: Sequence[str], start: datetime, end: datetime) -> None:
        self.emails.extend(e for e in emails if e not in self.emails)
        self.start, self.end = min(self.start, start), max(self.end, end)

    def query(self) -> ScheduleQuery:
        return ScheduleQuery(organizer=self.organizer, emails=tuple(self.emails),
                             start=self.start, end=self.end)


def per_organizer(asks: Iterable[tuple[str, Sequence[str], datetime, datetime]]
                  ) -> list[ScheduleQuery]:
    """One question per organizer (a manager's mailbox id): every address they asked about
    (lower-cased, once, in the order first asked), over the span every ask needs."""
    emails: dict[str, dict[str, None]] = {}
    spans: dict[str, tuple[datetime, datetime]] = {}
    for organizer, who, start, end in asks:
        emails.setdefault(organizer, {}).update(dict.fromkeys(e.lower() for e in who))
        lo, hi = spans.get(organizer, (start, end))
        spans[organizer] = (min(lo, start), max(hi, end))
    return [ScheduleQuery(organizer=o, emails=tuple(emails[o]), start=spans[o][0],
                          end=spans[o][1]) for o in emails]


def pack(questions: Iterable[ScheduleQuery]) -> list[Pack]:
    """The questions packed into as few calls as fit: next fit, in order of their spans (so
    neighbours share a window), linear in the number of questions."""
    packs: list[Pack] = []
    for q in sorted(questions, key=lambda q: (q.start, q.organizer)):
        if packs and packs[-1].fits(q.emails, q.start, q.end):
            packs[-1].add(q.emails, q.start, q.end)
        else:  # a question too big for one call alone is split by the client, as ever
            packs.append(Pack(q.organizer, list(q.emails), q.start, q.end))
        packs[-1].questions[q.organizer] = q
    return packs


async def ask(graph: GraphClient, packs: list[Pack], *,
              hours: dict[str, MailboxInfo] | None = None) -> dict[str, Calendars]:
    """Each organizer's calendars, from their pack's answer. A packed call refused outright
    (every address unreadable: e.g. its organizer's mailbox is outside the app's scope) is
    asked again per organizer, each through their own mailbox, so one manager's access (or
    one bad address) never stops another's; only failure costs these extra calls. Where even
    that is refused, that organizer's addresses are all None. ``hours``, when given, gets
    each address's working hours as the answers carry them (by lower-cased address). A pack
    still throttled (or failing on Graph's side) when its retries ran out is asked again
    likewise but for its own organizer (Exchange throttles per mailbox: the others' own are
    not; asked through hers again now, it would only add to it): her addresses are None,
    and the callers try again next run."""
    transient: set[int] = set()
    answers = await graph.schedule_items_many([p.query() for p in packs], hours=hours,
                                              transient=transient)
    out: dict[str, Calendars] = {}
    again: list[ScheduleQuery] = []
    for n, (one, answer) in enumerate(zip(packs, answers, strict=True)):
        for organizer in one.questions:
            out[organizer] = answer
        if len(one.questions) > 1 and all(v is None for v in answer.values()):
            again.extend(q for organizer, q in one.questions.items()
                         if n not in transient or organizer != one.organizer)
    if again:
        # (Still throttled: None, as in a batch, not an error failing every question.)
        asked = await graph.schedule_items_many(again, hours=hours, transient=set())
        for q, answer in zip(again, asked, strict=True):
            out[q.organizer] = answer
    return out
