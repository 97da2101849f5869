"""How long a run may wait on Graph: the budget of one throttled mailbox, and the stop that
ends every wait.

A run's steps go one after another, and mail for everyone comes last: a request that waits
out a long ``Retry-After`` holds its step, and so every later step, for all pairs. Graph
throttles per app and mailbox, so the rest of the tenant is not throttled meanwhile: a
mailbox Graph keeps throttling for longer than ``THROTTLE_BUDGET`` is left alone for the
rest of the run (its requests fail at once, as throttled, and the next run tries again),
and the other mailboxes go on. A mailbox given up is told to ``on_give_up`` (the run keeps
it in the store, so later runs of any replica leave it alone until Graph's wait is over:
service/jobs/held_mailboxes.py), and one held so is given up from the start (``hold``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

# How long one mailbox may keep its requests waiting in a run, from the first 429 of a spell
# to the end of the wait Graph asks for. A mailbox over its 4 requests at once
# (MailboxConcurrency) is asked to wait a few seconds, and four back-offs without a
# Retry-After are 1 + 2 + 4 + 8 s: both fit. A longer ask means the mailbox's 10-minute
# quota is spent (often by another app using it), which no wait within a run mends; waiting
# it out held every later step (a 20-minute request at Retry-After 300). 30 s per throttled
# mailbox keeps a run within its interval and the agenda step's reads fresh (120 s). It also
# bounds a throttled event update's waits well within the 10-minute lease of its pair: one
# landing after another replica took the pair over and wrote the agenda itself would mail
# the report a second update.
THROTTLE_BUDGET = 30.0
# Said after Graph's message in the 429 a request to a mailbox given up gets, unsent.
NOT_SENT_NOTE = ("(Not sent: Graph has kept throttling this mailbox; it is left alone until "
                 "the wait Graph asked for is over.)")


@dataclass
class _Spell:
    """A mailbox being throttled: since when (its first 429 since its last answer), until when
    Graph asked to be left alone, and the 429 that gave the mailbox up, if one did."""

    since: float
    until: float
    given_up: tuple[str, str] | None = None  # (Graph's code, message)


class Throttles:
    """Each mailbox's throttling in this run (the transport lives for one run): whether a wait
    Graph asks for still fits the mailbox's budget, and which mailboxes are given up."""

    def __init__(self, budget: float = THROTTLE_BUDGET,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.budget = budget
        self._clock = clock
        self._spells: dict[str, _Spell] = {}
        # Told (mailbox, seconds Graph asked to wait, its code, its message) of each mailbox
        # this run gives up, once: not of those held from the start.
        self.on_give_up: Callable[[str, float, str, str], None] | None = None

    def fits(self, mailbox: str, wait: float) -> bool:
        """A 429 for ``mailbox`` asks to wait ``wait`` s: whether a retry may wait for it,
        i.e. the mailbox is not given up and its spell, this wait included, stays within
        the budget (concurrent requests to it share one spell: they wait side by side)."""
        now = self._clock()
        spell = self._spells.setdefault(mailbox, _Spell(now, now))
        spell.until = max(spell.until, now + wait)
        return spell.given_up is None and spell.until - spell.since <= self.budget

    def give_up(self, mailbox: str, wait: float, code: str = "", message: str = "") -> bool:
        """Refuse ``mailbox``'s requests for the rest of the run (Graph asked for a wait past
        the budget, or was still throttling it when a request's retries ran out). ``wait``:
        what Graph asked for; ``code``, ``message``: its answer, said again to each request
        refused. True if the mailbox was not given up before."""
        now = self._clock()
        spell = self._spells.setdefault(mailbox, _Spell(now, now))
        spell.until = max(spell.until, now + wait)
        if spell.given_up is not None:
            return False
        spell.given_up = (code, message)
        if self.on_give_up is not None:
            self.on_give_up(mailbox, wait, code, message)
        return True

    def hold(self, mailbox: str, wait: float, code: str = "", message: str = "") -> None:
        """Give ``mailbox`` up from the start of the run, without a request: an earlier run
        found Graph throttling it and was asked to wait ``wait`` s more (its requests are
        refused, as throttled, for the rest of this run, as for one given up in it)."""
        now = self._clock()
        self._spells[mailbox] = _Spell(now, now + max(0.0, wait), (code, message))

    def answered(self, mailbox: str) -> None:
        """Graph answered a request to ``mailbox`` with something other than a 429: its spell
        is over (a mailbox given up stays so: its requests are no longer sent)."""
        spell = self._spells.get(mailbox)
        if spell is not None and spell.given_up is None:
            del self._spells[mailbox]

    def refused(self, mailbox: str | None) -> tuple[float, str, str] | None:
        """For a mailbox given up: (seconds left of the wait Graph asked for, its code, its
        message); else None (its requests are sent)."""
        spell = self._spells.get(mailbox) if mailbox is not None else None
        if spell is None or spell.given_up is None:
            return None
        return max(0.0, spell.until - self._clock()), *spell.given_up


class Halt:
    """The worker's stop, as the transport's waits see it: once set, every wait ends at once
    and no retry starts, so the run in hand finishes within the supervisor's grace period
    (a run is crash-safe: what it leaves, the next run finishes).

    Set from the signal handler, on the main thread, while the run waits on the loop of
    another: so without a lock (one the interrupted thread held would never come free). Each
    wait is listed before it looks at the flag, and ``set`` raises the flag before it reads
    the list: either the wait sees the flag, or ``set`` sees the wait and wakes it."""

    def __init__(self) -> None:
        self._set = False
        self._waits: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def set(self) -> None:
        """Stop: end the waits under way and any to come."""
        self._set = True
        for loop, woken in list(self._waits):
            with contextlib.suppress(RuntimeError):  # its loop has closed meanwhile
                loop.call_soon_threadsafe(woken.set)

    def is_set(self) -> bool:
        """Whether the stop has come."""
        return self._set

    async def sleep(self, seconds: float, sleep: Callable[[float], Awaitable[None]]) -> None:
        """``sleep(seconds)``, ended at once by the stop."""
        woken = asyncio.Event()
        entry = (asyncio.get_running_loop(), woken)
        self._waits.add(entry)
        try:
            if self._set:
                return
            waits = [asyncio.ensure_future(sleep(seconds)), asyncio.ensure_future(woken.wait())]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                if waits[0].done():
                    waits[0].result()  # (a sleep that failed says so)
            finally:
                for task in waits:
                    task.cancel()
        finally:
            self._waits.discard(entry)
