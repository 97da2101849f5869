"""Which accounts a pairs sync finds are a mailbox that is no one's own (shared, room,
equipment), by mailboxSettings' userPurpose.

Exchange makes the accounts of such mailboxes enabled (Microsoft advises blocking their
sign-in, which is often not done), and a manager is often set on a shared mailbox to record
who owns it: by the directory alone it was paired like a person, its manager's time taken
and its inbox, which several people read, sent the invitation, agendas, prep mails and the
meeting's notes. users/delta cannot tell it (mailboxSettings comes only with one user's
read), so it is read once for each account that may be paired (batched, 20 a request; the
same read, and $select, as the schedule step's for working hours) and kept with the
directory's stored copy (domain/directory.PURPOSE), to be read again only when the
directory reports a change to the account. The same answer says the date format its owner
chose in Outlook, kept with the person (how their notes' "12/10" is read: a manager is
read as someone's report).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace

from service.domain.events import NOT_A_PERSON, DirectoryUser
from service.errors import ServiceError
from service.jobs.context import JobContext

log = logging.getLogger(__name__)
# Part of what a quiet sync's mark says it was made from (jobs/pairs._quiet_basis): a mark
# made before purposes were read does not match, so the first sync after the upgrade reads
# them for the pairs booked before it, and ends a shared mailbox's.
PURPOSES_READ = "mailbox purposes"
# How many such mailboxes the sync's warning names (the rest are counted).
MAX_NAMED = 10


class Purposes:
    """The mailbox purposes of one sync: what is stored, and what it reads (kept in
    ``read`` until the plan is applied, so a dry run stores nothing)."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self.read: dict[str, str] = {}
        # The date formats those reads told ("": none given), kept with the people.
        self.date_formats: dict[str, str] = {}
        # Those whose read failed this sync only for now (throttled, a 5xx, the batch cut
        # off): a new pair of theirs waits for the next one. (One refused for good, e.g. a
        # mailbox outside the app's scope, is taken for a person's.)
        self.unread: set[str] = set()
        # Every such mailbox this sync found (the directory's, then the pairs file's).
        self.found: dict[str, DirectoryUser] = {}

    async def set_aside(self, usable: dict[str, DirectoryUser],
                        everyone: dict[str, DirectoryUser]) -> dict[str, DirectoryUser]:
        """Take the shared, room and equipment mailboxes out of ``usable`` (those who may
        be paired: of them, whoever has a manager is judged), and put them in ``everyone``
        with their purpose. Returns ``found``, which the pairs file's side adds to.

        Only those with a manager are read: one read per report, so one per pair. Most
        managers are someone's report and are read as such; the top of each chart (the
        chief executive) is not read. Reading every manager too cost a first rollout 1.13
        reads per pair, not 1.0, in an organisation of many teams whose managers have no
        manager of their own."""
        found = await self.not_people(u for u in usable.values() if u.manager_id)
        for uid, user in found.items():
            del usable[uid]
            everyone[uid] = user
        return self.found

    def words(self) -> dict[str, str]:
        """What each mailbox found is, by id ("a shared mailbox"), for the reasons given."""
        return {uid: NOT_A_PERSON[str(u.purpose)] for uid, u in self.found.items()}

    async def not_people(self, users: Iterable[DirectoryUser]) -> dict[str, DirectoryUser]:
        """Of ``users``, the shared, room and equipment mailboxes by id, each with its
        purpose. Those whose purpose is not stored are read (only with a mailbox: there is
        none to read without). A read Graph refuses for someone (no access to their
        mailbox, a mailbox not made yet) leaves them taken for a person, as before, and
        read again next sync; one that failed only for now (throttled, a 5xx) puts them in
        ``unread``: a new pair of theirs waits for the next sync, and no other pair does."""
        users = list(users)
        unknown = [u.id for u in users
                   if u.purpose is None and u.mailbox and u.id not in self.read]
        if unknown:
            try:
                infos = await self.ctx.graph.mailbox_settings(unknown, raise_passing=False)
            except ServiceError as exc:
                # The batch itself refused or cut off (not one user's answer): as for one
                # user's read failed for now, all wait for the next sync, rather than the
                # whole pairs step fail.
                log.warning("pairs.purpose_unread", extra={"users": len(unknown),
                                                           "error": str(exc)})
                infos = {}
                self.unread.update(unknown)
            for uid, info in infos.items():
                if info.error is not None:
                    log.warning("pairs.purpose_unread", extra={"user": uid, "error": info.error})
                    if info.passing:
                        self.unread.add(uid)
                    continue
                # ("": Graph gave none; not asked again.)
                self.read[uid] = (info.purpose or "").lower()
                self.date_formats[uid] = info.date_format or ""
        out: dict[str, DirectoryUser] = {}
        for user in users:
            if user.purpose is None and user.id in self.read:
                user = replace(user, purpose=self.read[user.id])
            if not user.person:
                out[user.id] = user
        self.found.update(out)
        return out


def not_people_warning(mailboxes: Iterable[DirectoryUser],
                       everyone: dict[str, DirectoryUser]) -> str | None:
    """One warning naming the shared, room and equipment mailboxes the directory gives a
    manager, which are not paired (their own reports, if any, are told of as a disabled
    manager's are); None: there are none."""
    named = []
    for box in sorted(mailboxes, key=lambda u: u.email):
        boss = everyone.get(box.manager_id or "")
        if boss is None:
            continue
        named.append(f"{_label(box)} ({NOT_A_PERSON[str(box.purpose)]}, manager "
                     f"{_label(boss)})")
    if not named:
        return None
    shown = "; ".join(named[:MAX_NAMED])
    if len(named) > MAX_NAMED:
        shown += f"; and {len(named) - MAX_NAMED} more"
    return (f"Not paired, as Exchange says their mailbox is no one's own (mailboxSettings "
            f"userPurpose), though the directory gives them a manager: {shown}. Nothing "
            "needs doing; to be sure no one signs in to them, block their sign-in, as "
            "Microsoft advises.")


def _label(user: DirectoryUser) -> str:
    return f"{user.name} <{user.email}>" if user.name and user.email else user.email or user.id
