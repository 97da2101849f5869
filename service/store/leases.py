"""Leases: a worker's claim on one pairing, and named locks (one holder at a time)."""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from service.store.base import Repository, chunks, log
from service.store.models import LockRow, PairingRow

# The pairings table for Core statements (see store/series.py's _SERIES).
_PAIRINGS = cast(Table, PairingRow.__table__)
# Built once (the schedule job claims each manager's pairings with it): Core, as no ORM row
# is involved, at half the time of an ORM UPDATE.
_CLAIM = (update(_PAIRINGS)
          .where(_PAIRINGS.c.id.in_(bindparam("ids", expanding=True)),
                 or_(_PAIRINGS.c.lease_until.is_(None), _PAIRINGS.c.lease_until < bindparam("now"),
                     _PAIRINGS.c.lease_owner == bindparam("owner")))
          .values(lease_owner=bindparam("owner"), lease_until=bindparam("until"))
          .returning(_PAIRINGS.c.id))


# The host name's share of an identity: with the pid and the space, within the owner
# columns' 80 characters (a configured name is checked to 64: config/checks.py).
# The lock a worker holds while it is on duty (service/duty.py): a worker running on this
# database (`doctor` and `db copy` ask).
DUTY_LOCK = "worker.duty"
# Kept by a worker that stands by because another goes by its [worker] name (until a lease
# after its last run): what `onetoone doctor` reports it by.
NAME_CLASH_LOCK = "worker.name_clash"
HOST_CHARS = 62
OWNER_CHARS = 80


@dataclass(frozen=True)
class Instance:
    """One worker process, as the duty lease records its holder: ``id`` drawn at random as
    it starts (no two processes share it, even two containers' pid 1 of one name), its
    configured ``[worker] name`` ("" for none) and its host name (said to the admin)."""

    id: str
    name: str
    host: str

    @classmethod
    def starting(cls, name: str = "") -> Instance:
        return cls(secrets.token_hex(8), name, socket.gethostname()[:HOST_CHARS])


@dataclass(frozen=True)
class LockRecord:
    """A named lock as stored (the ``Instance`` columns are the duty lease's only)."""

    owner: str
    until: datetime
    instance: str | None
    worker_name: str | None
    host: str | None
    seen: datetime | None


def process_space() -> str:
    """A short token naming this process's pid space: the host's boot and pid namespace.
    Workers showing one host name (host networking, `hostname:` in a compose file, a cloned
    VM) can be in different pid spaces, where one pid is two processes (each container's
    worker is pid 1); "" off Linux."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="utf-8").strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""
    return hashlib.sha256(f"{boot}|{namespace}".encode()).hexdigest()[:8]


def worker_identity(name: str = "") -> str:
    """Who holds a lease: name:pid:space, the name being ``[worker] name`` or else the host
    name (name:pid off Linux). Never the same for two live processes, even two containers'
    pid 1 given one name or sharing a host name, so claims always keep them apart; and a pid
    is judged only in its own space (``holder_is_gone``). (With the name alone, two such
    containers were one holder, each finding the other's leases its own.) A container
    restarted after a kill is in a new space: its duty lease is taken back once its old
    instance is silent (service/duty.py), its pairs' claims once they end."""
    space = process_space()
    tail = f":{os.getpid()}:{space}" if space else f":{os.getpid()}"
    # (A 64-character name, a 7-digit pid and the space are one over the owner columns: the
    # pid and the space keep the identity apart, so the name gives way.)
    return (name or socket.gethostname()[:HOST_CHARS])[:OWNER_CHARS - len(tail)] + tail


def _parts(identity: str) -> tuple[str, str, str] | None:
    """(name or host, pid, space) of a ``worker_identity``; None for anything else."""
    parts = identity.split(":")
    if len(parts) == 2:
        return parts[0], parts[1], ""
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    return None


def holder_is_gone(holder: str, claimant: str) -> bool:
    """Whether a lease holder (a ``worker_identity``) is a process that no longer runs,
    judged only when it goes by the claimant's own name and pid space (the space records the
    host's boot and the pid namespace): a process the claimant can see. Any other holder is
    never judged: its lease expires. (A pid from another host or pid namespace names another
    process, or none, here. Off Linux there is no space: a name shared by two hosts there
    is judged as if on one.)"""
    held, claiming = _parts(holder), _parts(claimant)
    if (held is None or claiming is None or (held[0], held[2]) != (claiming[0], claiming[2])
            or not held[1].isascii() or not held[1].isdigit()):
        return False
    try:
        os.kill(int(held[1]), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):  # it runs, as another user; no such pid
        return False
    return False


class LeaseRepository(Repository):
    """Claims on pairings and named locks, atomic on SQLite and PostgreSQL."""

    def claim(self, pairing_id: int, owner: str, now: datetime, ttl: timedelta) -> bool:
        """Take the pairing for ``ttl`` unless another live worker holds it (atomic on any
        DB). A lease left by a process of this host that is gone (killed mid-run) is taken
        over at once instead of hiding the pairing until it expires."""
        with self.session() as s, s.begin():
            result = s.execute(
                update(PairingRow)
                .where(
                    PairingRow.id == pairing_id,
                    or_(PairingRow.lease_until.is_(None), PairingRow.lease_until < now,
                        PairingRow.lease_owner == owner),
                )
                .values(lease_owner=owner, lease_until=now + ttl)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                return True
            holder = s.scalar(select(PairingRow.lease_owner).where(PairingRow.id == pairing_id))
            if holder is None or not holder_is_gone(holder, owner):
                return False
            result = s.execute(
                update(PairingRow)
                .where(PairingRow.id == pairing_id, PairingRow.lease_owner == holder)
                .values(lease_owner=owner, lease_until=now + ttl)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                log.warning("store.lease_taken_over", extra={"pairing": pairing_id,
                                                             "from": holder})
                return True
            return False

    def release(self, pairing_id: int, owner: str) -> None:
        with self.session() as s, s.begin():
            s.execute(
                update(PairingRow)
                .where(PairingRow.id == pairing_id, PairingRow.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )

    def claim_many(self, pairing_ids: Sequence[int], owner: str, now: datetime,
                   ttl: timedelta) -> set[int]:
        """``claim`` for several pairings: the ids taken. Those free (or ours) are taken in
        one statement per chunk and one commit; only the rest are tried one by one (a lease
        left by a gone process of this host is taken over, as ``claim`` does)."""
        got: set[int] = set()
        with self.session() as s, s.begin():
            for chunk in chunks(pairing_ids):
                got.update(s.scalars(_CLAIM, {"ids": chunk, "now": now, "owner": owner,
                                              "until": now + ttl}))
        for pairing_id in pairing_ids:
            if pairing_id not in got and self.claim(pairing_id, owner, now, ttl):
                got.add(pairing_id)
        return got

    def release_many(self, pairing_ids: Sequence[int], owner: str) -> None:
        """``release`` for several pairings, in one commit."""
        with self.session() as s, s.begin():
            for chunk in chunks(pairing_ids):
                s.execute(
                    update(PairingRow)
                    .where(PairingRow.id.in_(chunk), PairingRow.lease_owner == owner)
                    .values(lease_owner=None, lease_until=None)
                    .execution_options(synchronize_session=False))

    def take_lock(self, name: str, owner: str, now: datetime, ttl: timedelta,
                  me: Instance | None = None) -> bool:
        """Hold the named lock until ``now + ttl`` unless another worker holds it unexpired
        (atomic on SQLite and PostgreSQL; the holder calls it again to renew). With ``me``
        (the duty lease) it records the instance, seen ``now``, and is this worker's only if
        that instance holds it: an owner name alone may be shared."""
        values = _held_by(owner, now, ttl, me)
        mine = LockRow.owner == owner
        if me is not None:
            mine = and_(mine, or_(LockRow.instance.is_(None), LockRow.instance == me.id))
        with self.session() as s, s.begin():
            taken = s.execute(
                update(LockRow)
                .where(LockRow.name == name, or_(LockRow.until < now, mine))
                .values(**values)
            ).rowcount  # type: ignore[attr-defined]
            if taken == 1:
                return True
        try:
            with self.session() as s, s.begin():
                s.add(LockRow(name=name, **values))
            return True
        except IntegrityError:
            pass  # someone holds it (or took it between our two statements)
        with self.session() as s, s.begin():
            holder = s.scalar(select(LockRow.owner).where(LockRow.name == name))
            if holder is None or not holder_is_gone(holder, owner):
                return False
            return s.execute(  # the holder was killed: take over at once
                update(LockRow).where(LockRow.name == name, LockRow.owner == holder)
                .values(**values)
            ).rowcount == 1  # type: ignore[attr-defined]

    def take_lock_from(self, name: str, held: LockRecord, owner: str, now: datetime,
                       ttl: timedelta, me: Instance) -> bool:
        """Take the named lock from the instance ``held`` names, if it has said nothing
        since (it was judged gone on that record): False if it has, or another took it."""
        with self.session() as s, s.begin():
            return s.execute(
                update(LockRow)
                .where(LockRow.name == name, LockRow.owner == held.owner,
                       LockRow.instance == held.instance, LockRow.seen == held.seen)
                .values(**_held_by(owner, now, ttl, me))
            ).rowcount == 1  # type: ignore[attr-defined]

    def beat(self, name: str, owner: str, instance: str, now: datetime) -> bool:
        """Say that the holder of the named lock still runs (its lease is left as it is);
        False once it holds it no more."""
        with self.session() as s, s.begin():
            return s.execute(
                update(LockRow)
                .where(LockRow.name == name, LockRow.owner == owner,
                       LockRow.instance == instance)
                .values(seen=now)
            ).rowcount == 1  # type: ignore[attr-defined]

    def note_lock(self, name: str, owner: str, now: datetime, ttl: timedelta,
                  me: Instance) -> None:
        """Set the named lock to ``me`` whoever holds it: a note, not a claim (the last
        writer's stands until ``now + ttl``)."""
        values = _held_by(owner, now, ttl, me)
        with self.session() as s, s.begin():
            if s.execute(update(LockRow).where(LockRow.name == name)
                         .values(**values)).rowcount == 1:  # type: ignore[attr-defined]
                return
        try:
            with self.session() as s, s.begin():
                s.add(LockRow(name=name, **values))
        except IntegrityError:
            pass  # another wrote it between our two statements: the same news

    def lock_record(self, name: str) -> LockRecord | None:
        """The named lock as stored, ended or not (None: never taken, or dropped)."""
        with self.reading() as s:
            row = s.get(LockRow, name)
            if row is None:
                return None
            return LockRecord(row.owner, row.until, row.instance, row.worker_name, row.host,
                              row.seen)

    def lock_holder(self, name: str, now: datetime) -> str | None:
        """Who holds the named lock at ``now`` (None: nobody, or a lease that has ended)."""
        with self.reading() as s:
            return s.scalar(select(LockRow.owner).where(LockRow.name == name,
                                                        LockRow.until >= now))

    def drop_lock(self, name: str, owner: str) -> None:
        with self.session() as s, s.begin():
            s.execute(delete(LockRow).where(LockRow.name == name, LockRow.owner == owner))


def _held_by(owner: str, now: datetime, ttl: timedelta, me: Instance | None) -> dict[str, Any]:
    """A lock row's values for ``owner`` holding it until ``now + ttl``."""
    values: dict[str, Any] = {"owner": owner, "until": now + ttl}
    if me is not None:
        values.update(instance=me.id, worker_name=me.name or None, host=me.host, seen=now)
    return values
