"""Mail to the service mailbox: topics for the next 1-2-1, the report's comments on a meeting,
the manager's private notes (those two in jobs/notes_mail.py), and rebook picks (handed to
jobs/rebook.py).

What a mail is for is in the plus-address it was sent to (service/domain/topics.py): the
agenda and the prep mail's Reply-To carry the pair's topics address, the summary's Reply-To
that meeting's comments address. Each non-empty new line of a topics mail is one topic
(service/domain/mail_reply.py strips quoted history, signatures and disclaimers).

A mail is ignored — a log line with the reason, nothing stored, no reply, marked read — when
a machine sent it (an out-of-office, a bounce, a list, meeting mail: an invitation, update,
cancellation or response, whose body is the meeting's), it is our own coming back, it names
no pair, its sender is not one of the pair, or it holds no new text. What is kept is keyed by
the mail's Internet message id, so a crash, a second read or a second worker never keeps it
twice, and the one-line acknowledgement (through the outbox) goes once. A topic that arrives
after the agenda went in updates it within [agenda] extra_updates (jobs/agenda.py).

One mail that can't be read (the database away, a bug its text provokes) is left unread for
the next run and never stops the others.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from service.domain.agenda import format_date
from service.domain.events import MailMessage
from service.domain.mail_reply import bare_subject, is_forward, is_reply
from service.domain.records import OccurrenceRecord, PairingView
from service.domain.series import agenda_can_update, meetings
from service.domain.status import MEETING_SERIES, AgendaState, OccurrenceStatus
from service.domain.timezones import local_date
from service.domain.topic_lines import new_topics, topic_lines
from service.domain.topics import (
    COMMENTS,
    PRIVATE,
    SUBJECT_TOKEN,
    TOPICS,
    addressed_tag,
    private_token,
    topic_token,
)
from service.errors import ServiceError
from service.jobs.context import JobContext
from service.jobs.inbox import (
    Incoming,
    TopicMailReport,
    acknowledge,
    ignore_reason,
    ignored,
    incoming,
    log,
)
from service.jobs.notes_mail import read_comment, read_private_note
from service.jobs.rebook import handle_booking, is_booking
from service.jobs.summaries import reader_zone
from service.store.repo import Store

__all__ = ["TopicMailReport", "read_topic_mail"]
NEXT_MEETINGS = timedelta(days=100)  # longer than any cadence's gap: the next two meetings
_ON = (OccurrenceStatus.SCHEDULED, OccurrenceStatus.MOVED)


async def read_topic_mail(ctx: JobContext, now: datetime) -> TopicMailReport:
    """Read the service mailbox's unread mail once."""
    report = TopicMailReport()
    box = ctx.settings.mail.topics_mailbox
    if not box:
        return report
    graph, store = ctx.graph, ctx.store
    try:
        messages = await graph.unread_messages(box)
    except ServiceError as exc:
        report.failed.append(f"{box}: {exc}")
        log.error("topics_mail.failed", extra={"mailbox": box, "error": str(exc)})
        return report
    pairs = _Pairs(store)
    for message in messages:
        try:
            if is_booking(message):  # a pick from a rebook offer (name+book.<token>.<n>@)
                outcome, settled = await handle_booking(ctx, message, now)
                report.bookings.append(outcome)
                if settled:
                    await _mark_read(ctx, box, message)
                continue
            _read(ctx, box, message, pairs, now, report)
        except Exception as exc:  # one mail fails only itself; it is read again next run
            report.failed.append(f"{message.id}: {exc}")
            log.exception("topics_mail.message_failed", extra={"message_id": message.id})
            continue
        await _mark_read(ctx, box, message)
    return report


class _Pairs:
    """The active pair a topics or private address names. The tokens are hashes of the
    pairs' keys, so they are worked out from the keys alone (one light read, and only when
    a mail names a pair: a run with no mail reads nothing), and a pair's people are read
    only for the pairs that mail names.

    A private address also names a pair that is no longer active: the manager writes their
    private note after the meeting, from its agenda, and the pair may have ended meanwhile
    (the report moved, in a reorganisation, before this run read the mail). The note is
    about a meeting that was held, so it is kept, as the report's comments on an ended
    pair's meetings are; ignoring it would lose it without a word to the manager. Topics
    for such a pair have no meeting left to go to, so they are not taken."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._ids: dict[str, dict[str, int]] | None = None
        self._others: dict[str, int] | None = None  # private tokens of the pairs not active

    def get(self, kind: str, token: str) -> PairingView | None:
        if self._ids is None:
            keys = self._store.pairing_keys()
            self._ids = {TOPICS: {topic_token(k): pid for pid, k in keys.items()},
                         PRIVATE: {private_token(k): pid for pid, k in keys.items()}}
        pid = self._ids[kind].get(token)
        if pid is not None:
            return self._store.active_views([pid]).get(pid)
        if kind != PRIVATE:
            return None
        if self._others is None:  # read only when a private note names no active pair
            self._others = {private_token(k): pid for pid, k in
                            self._store.pairing_keys(active=False).items()}
        pid = self._others.get(token)
        return None if pid is None else self._store.view_of_pairing(pid)


def _read(ctx: JobContext, box: str, message: MailMessage, pairs: _Pairs, now: datetime,
          report: TopicMailReport) -> None:
    reason = ignore_reason(message, box)
    tag = None if reason else addressed_tag((*message.to, *message.cc), box, message.subject)
    if tag is None:
        ignored(report, message, reason or "no pair named")
    elif tag.kind == COMMENTS:
        read_comment(ctx, message, tag, now, report)
    else:
        view = pairs.get(tag.kind, tag.token)
        mail = incoming(message, view) if view is not None else None
        if mail is None:
            ignored(report, message, "unknown pair" if view is None
                    else "sender not in the pair")
        elif tag.kind == PRIVATE:
            read_private_note(ctx, mail, now, report)
        else:
            _add_topics(ctx, mail, now, report)


def _add_topics(ctx: JobContext, mail: Incoming, now: datetime,
                report: TopicMailReport) -> None:
    subject = mail.message.subject
    # A forward's subject is the forwarded mail's, which is what to talk about ("FW: Team
    # restructure", "can we talk about this?"): it names the topic as a fresh mail's does.
    lines = topic_lines(mail.text, subject=bare_subject(subject, SUBJECT_TOKEN),
                        reply=is_reply(subject) and not is_forward(subject))
    if not lines.topics:
        ignored(report, mail.message, "no new text")
        return
    # A mail read before (the run failed or was killed before its reply was queued, or
    # another worker read it at the same time) has its topics on the list because of it:
    # the reply says they were added, not that they were there already.
    kept = tuple(ctx.store.mail_topics(mail.view.pairing.id, mail.message_id))
    fresh = kept or new_topics(lines.topics,
                               (t.text for t in ctx.store.open_topics(mail.view.pairing.id)))
    if not fresh:
        # All already on the list (often copied back from the prep mail): said so, once.
        acknowledge(ctx, mail, "topic_reply", [
            f"Thanks {escape(mail.person.first_name)}: "
            + ("that is" if len(lines.topics) == 1 else "those are")
            + f" already on the list for your next 1-2-1 with {escape(_other(mail))}, so "
            "nothing was added."], now)
        return
    series = mail.view.series
    if not kept:
        added = ctx.store.add_mail_topics(mail.view.pairing.id, fresh, mail.by,
                                          local_date(now, series.time_zone if series else None),
                                          now, message_id=mail.message_id)
        if not added:
            log.info("topics_mail.seen", extra={"message_id": mail.message.id})
            return
        report.added.append(mail.label)
        log.info("topics_mail.added", extra={"pairing": mail.view.pairing.key, "by": mail.by,
                                             "topics": len(added)})
    said = [f"Thanks {escape(mail.person.first_name)}: "
            f"{_where(ctx, mail.view, mail.by, _other(mail), now)}",
            # Isolated (<bdi>): one topic written right to left, in this one paragraph, must
            # not reorder the next.
            "<br>".join(f"&bull; <bdi>{escape(t)}</bdi>" for t in fresh)]
    if len(fresh) < len(lines.topics):
        said.append(f"{len(lines.topics) - len(fresh)} more "
                    + ("was" if len(lines.topics) - len(fresh) == 1 else "were")
                    + " already on the list, so not added again.")
    if lines.dropped:
        said.append(f"Only the first {len(lines.topics)} lines were added ({lines.dropped} "
                    "more weren't): one topic per line, please, and bring the rest along.")
    if lines.shortened:
        said.append("Long lines were shortened on the agenda; the whole thing can be talked "
                    "through in the meeting.")
    acknowledge(ctx, mail, "topic_reply", said, now)


def _other(mail: Incoming) -> str:
    """The other one of the pair, as the reply names them. Most people are in several
    pairs — a middle manager is the report in one and the manager in others, often meeting
    both on the same day — so a date alone would not say which 1-2-1 the topics went to
    (the agenda's link gives every pair the same subject)."""
    return mail.view.manager.name if mail.by == "report" else mail.view.report.name


def _where(ctx: JobContext, view: PairingView, by: str, other: str, now: datetime) -> str:
    """Which agenda the topics reach: the next meeting's, unless its agenda is in the invite
    and may not be updated again; then the one after. ``by``: who sent them (report or
    manager), whose own day names the meeting; ``other``: whom the sender meets."""
    store = ctx.store
    several = [s for s in store.pairing_series(view.pairing.id) if s.status in MEETING_SERIES]
    coming = [m for m in meetings(several, store.pairing_occurrences(view.pairing.id), now,
                                  now + NEXT_MEETINGS)
              if m.start > now and (m.stored is None or m.stored.status in _ON)]
    with_whom = f"your 1-2-1 with {escape(other)}"
    if not coming:
        return f"these are on the list for your next 1-2-1 with {escape(other)}."
    first = coming[0]
    zone = several[-1].time_zone if several else None  # (the series are in one zone)
    if zone is not None:  # the day where the sender is, as their Outlook shows it
        zone = reader_zone(zone, view.report if by == "report" else view.manager)
    if first.stored is not None and _final(ctx, first.stored) and len(coming) > 1:
        return (f"the agenda for {with_whom} on {format_date(local_date(first.start, zone))} "
                f"is already final, so these go on the one for "
                f"{format_date(local_date(coming[1].start, zone))}.")
    return (f"these are on the agenda for {with_whom} on "
            f"{format_date(local_date(first.start, zone))}.")


def _final(ctx: JobContext, occ: OccurrenceRecord) -> bool:
    return (occ.agenda_state == AgendaState.INJECTED
            and not agenda_can_update(occ.agenda_updates, ctx.settings.agenda.extra_updates))


async def _mark_read(ctx: JobContext, box: str, message: MailMessage) -> None:
    try:
        await ctx.graph.mark_read(box, message.id)
    except ServiceError as exc:  # read again next run; the message-id keys stop a duplicate
        log.warning("topics_mail.mark_read_failed", extra={"error": str(exc)})
