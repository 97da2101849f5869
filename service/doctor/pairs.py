"""`onetoone doctor`'s pairs file line: the file parsed, every address it names looked up in
the directory, and the next sync worked out as a run would."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from service.doctor.check import Check
from service.domain.mass_end import ending
from service.errors import PairsFileError, ServiceError

if TYPE_CHECKING:
    from service.config import Settings


def pairs_file(path: str, unchecked: str = "sign-in failed, see below") -> Check:
    """The pairs file reads and parses; its addresses are not looked up (``unchecked``
    says why): `pairs_people` does that once Graph can be reached."""
    from service.domain.pairs_csv import NO_PAIRS, parse_pairs_csv, says_no_pairs
    from service.store.files import read_pairs_file

    try:
        text = read_pairs_file(path)
        pairs = parse_pairs_csv(text, path)
    except PairsFileError as exc:
        return Check("pairs file", False, str(exc), _PAIRS_FIX)
    if not pairs and not says_no_pairs(text):
        return Check("pairs file", False, f"{path}: lists no pairs (a run refuses it while "
                     "pairs it listed are scheduled)", "Add one manager,report line per "
                     f"pair; if it lists none on purpose, write the line `{NO_PAIRS}` in it.")
    # (A file listing no pairs on purpose names nobody to look up.)
    unlooked = (f"; its addresses were not checked against the directory ({unchecked})"
                if pairs else "")
    return Check("pairs file", True, f"{path}: {len(pairs)} {_pairs_word(len(pairs))}{unlooked}")


_PAIRS_FIX = "Fix the file (or [pairs] file) as the message says; until then no pairing changes."


async def pairs_people(graph: Any, settings: Settings) -> Check:
    """The pairs file as a sync judges it: parsed, and every address it names looked up in
    the directory (batched), so that one doctor run tells all its problems; a file passed
    here with an address nobody has would be refused by the first run. (None is looked up
    when the file's lines already fill the refusal: `PairsFileRead.to_look_up`.)"""
    from service.domain.exclude import Exclusion
    from service.domain.pairs_csv import (
        file_refusal,
        people_problems,
        read_pairs_csv,
    )
    from service.store.files import read_pairs_file

    path = str(settings.pairs.file)
    try:
        read = read_pairs_csv(read_pairs_file(path), path)
    except PairsFileError:
        return pairs_file(path)  # (it says why the file cannot be read)
    addresses = read.to_look_up()
    try:
        users = await graph.find_users(sorted({email for _line, email in addresses}))
    except ServiceError as exc:
        return pairs_file(path, f"the look-up failed: {exc}")
    # An address no user has may be a leaver's whose account was deleted, whom the database
    # knows: each run skips that line, as a disabled leaver's (jobs/pairs_file.py).
    try:
        deleted = await _deleted_leavers(graph, settings,
                                         {e for _line, e in addresses} - set(users))
    except ServiceError:
        deleted = {}  # (the database line says why it cannot be read)
    users = {**users, **deleted}
    exclude = Exclusion(frozenset(e.lower() for e in settings.pairs.exclude))
    problems = (read.problems + read.unlooked(path)
                + people_problems(path, addresses, users, exclude))
    if problems:
        return Check("pairs file", False, str(file_refusal(problems, path)), _PAIRS_FIX)
    if not read.pairs:
        return pairs_file(path)  # (a file listing no pairs: said there)
    disabled = sorted({line for line, email in read.addresses if email not in exclude.entries
                       and users[email] not in exclude and not users[email].enabled})
    gone = {line for line, email in read.addresses if email in deleted}
    what = ("deleted" if gone >= set(disabled) else "disabled or deleted" if gone
            else "disabled")
    skipped = (f"; each run skips {'line' if len(disabled) == 1 else 'lines'} "
               f"{', '.join(map(str, disabled))}, naming a {what} account (a leaver: "
               "remove the line)" if disabled else "")
    return Check("pairs file", True, f"{path}: {len(read.pairs)} {_pairs_word(len(read.pairs))}"
                 f", every address a user in the directory{skipped}")


async def _deleted_leavers(graph: Any, settings: Settings, addresses: set[str]
                           ) -> dict[str, Any]:
    """Of ``addresses``, which no user has, those of someone the database knows whom the
    directory no longer lists by their id either (a leaver deleted since), as disabled
    users; none without a database at its schema."""
    from service.app import store_or_blank
    from service.domain.events import DirectoryUser
    from service.store.db import current_revision, head_revision, make_engine
    from service.store.repo import Store

    if not addresses:
        return {}
    with store_or_blank(settings) as blank:
        if blank is not None:
            return {}
        engine = make_engine(settings.database.url)
        try:
            if current_revision(engine) != head_revision():
                return {}
            known = Store(engine).people_by_email(addresses)
        finally:
            engine.dispose()
    if not known:
        return {}
    here = await graph.find_users(sorted({p.id for p in known}))
    ids = {u.id for u in here.values()}
    return {p.email: DirectoryUser.deleted(p.id, p.name, p.email)
            for p in known if p.id not in ids}


async def pairs_plan(graph: Any, settings: Settings, read: Check, now: datetime) -> Check:
    """The file as the next sync would take it, beside the directory and what is scheduled
    (as `onetoone pairs` shows it): a line closing a management loop with the directory,
    or a file that would end more pairs at once than [pairs] max_ends allows, is refused by
    every run, though each line on its own is good. ``read``: the file's check so far."""
    from service.app import store_or_blank
    from service.jobs.context import JobContext
    from service.jobs.pairs import gather
    from service.store.db import current_revision, head_revision, make_engine
    from service.store.repo import Store

    with store_or_blank(settings) as blank:
        if blank is not None and settings.pairs.source != "both":
            # Nothing scheduled yet, and no directory to loop with: nothing a run would
            # refuse that the lines do not show (and no whole directory read to tell it).
            return read
        # The database as it is: opened without the upgrade (or the change of mode) a run
        # makes; one the first run has still to upgrade is judged after that run. (With a
        # directory read stored, the sync reads only the changes since.)
        engine = None if blank is not None else make_engine(settings.database.url)
        try:
            store = blank
            if engine is not None:
                if current_revision(engine) != head_revision():
                    return read
                store = Store(engine)
            assert store is not None
            plan = await gather(JobContext(settings=settings, store=store, graph=graph), now)
        except PairsFileError as exc:
            return Check("pairs file", False, str(exc), _PAIRS_FIX)
        except ServiceError as exc:
            return replace(read, detail=f"{read.detail}; what a run would change was not "
                           f"worked out ({exc})")
        finally:
            if engine is not None:
                engine.dispose()
    if plan.refused:
        return Check("pairs file", False, plan.refused,
                     "Fix the file if it is cut short or wrong; if these ends are real, run "
                     "`onetoone schedule --allow-ends N` once (see the message).")
    # (A mover's new pair starts as their old one ends.)
    starts = sum(1 for a in plan.actions if a.kind in ("join", "move"))
    return replace(read, detail=f"{read.detail}; the next sync would start {starts} "
                   f"{_pairs_word(starts)} and end {len(ending(plan.actions))} (`onetoone "
                   "pairs` lists them)")


async def exclude_entries(graph: Any, settings: Settings) -> Check | None:
    """Each [pairs] exclude entry names someone (by object id, address, alias or user
    principal name), as a sync finds them: one that names nobody excludes no one, and
    whoever it was meant for may be paired (a typo; an address gone with a change of
    name is still an alias, but a leaver's is nobody's). None: no entries."""
    from service.domain.exclude import matches_nobody

    entries = sorted({e.lower() for e in settings.pairs.exclude})
    if not entries:
        return None
    name = "[pairs] exclude"
    try:
        found = await graph.find_users(entries)
    except ServiceError as exc:
        return Check(name, False, f"its entries were not looked up: {exc}", "see the message")
    nobody = matches_nobody(set(entries), {e: u.id for e, u in found.items()})
    if nobody:
        return Check(name, True, " ".join(nobody), "Remove or correct the entry.", warn=True)
    return Check(name, True, f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}"
                 ", each naming someone in the directory")


def _pairs_word(n: int) -> str:
    return "pair" if n == 1 else "pairs"
