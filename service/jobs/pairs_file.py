"""The pairs file's side of a pairs sync: its lines read, each address found in the
directory, and the lines that count told from those skipped (someone excluded, a leaver)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from service.domain.events import NOT_A_PERSON, DirectoryUser
from service.domain.exclude import Exclusion
from service.domain.pairs_csv import (
    FilePair,
    file_refusal,
    people_problems,
    read_pairs_csv,
    says_no_pairs,
)
from service.jobs.context import JobContext
from service.jobs.pairs_purpose import Purposes
from service.store.files import read_pairs_file_digested


@dataclass
class FileSide:
    """What the pairs file says, its people found."""

    rows: list[FilePair]  # the lines that count (skipped ones left out)
    by_email: dict[str, DirectoryUser]  # each address on those lines -> the user
    listed: bool  # it lists pairs (before any line was skipped)
    meant_empty: bool  # it says it lists none on purpose (NO_PAIRS)
    digest: str  # of the bytes read (the quiet mark's: see pairs._quiet_basis)
    warnings: list[str] = field(default_factory=list)


async def read_file_side(ctx: JobContext, everyone: Mapping[str, DirectoryUser],
                         usable: Mapping[str, DirectoryUser], exclude: Exclusion,
                         purposes: Purposes) -> FileSide:
    """The pairs file's lines with their people (``everyone``: the directory read;
    ``usable``: whom the directory pairs, found by their address first; ``purposes``:
    the sync's, which tell a shared, room or equipment mailbox); PairsFileError, changing
    nothing, for a bad file or an address that is nobody's."""
    path = str(ctx.settings.pairs.file)
    file_text, digest = read_pairs_file_digested(path)
    file_read = read_pairs_csv(file_text, path)
    by_email = {u.email: u for u in usable.values()}
    # Every address the file names, its refused lines' too: an unknown one is told with
    # the file's other problems, not on the run after they are fixed (unless those
    # already fill the refusal: `to_look_up`).
    addresses = file_read.to_look_up()
    named = {email for _line, email in addresses}
    # By user principal name (the delta holds it too: a file of sign-in names that differ
    # from the mail costs no lookup per person each sync), a primary address first.
    found = {u.upn: u for u in everyone.values() if u.upn in named}
    found |= {u.email: u for u in everyone.values() if u.email in named}
    # Looked up only if the directory doesn't list them under that address: an alias
    # (two requests, batched), or someone the stored copy lacks.
    found |= await ctx.graph.find_users(sorted(named - set(by_email) - set(found)))
    found |= {email: user for email, user in by_email.items() if email in named}
    deleted = _deleted(ctx, named - set(found), everyone)
    found |= deleted
    problems = (file_read.problems + file_read.unlooked(path)
                + people_problems(path, addresses, found, exclude))
    if problems:
        # Nothing changes on bad input: a typo must not look like a leaver.
        raise file_refusal(problems, path)
    # Lines naming someone in [pairs] exclude (never paired), a leaver, or a mailbox that is
    # no one's own.
    not_people = await purposes.not_people(
        {u.id: u for e, u in found.items() if e in named and u.enabled}.values())
    skipped: set[int] = set()
    warnings: list[str] = []
    for row in file_read.pairs:
        for email in (row.manager_email, row.report_email):
            user = found[email]
            if email in exclude.entries or user in exclude:
                skipped.add(row.line)
            elif email in deleted or not user.enabled:
                # A leaver HR has not taken out of the file yet: their line is skipped,
                # so their pair ends as a leaver's does with the directory as the
                # source, and the rest of the file (joiners, movers) still counts.
                skipped.add(row.line)
                how = "was deleted" if email in deleted else "is disabled"
                warnings.append(f"{path}:{row.line}: {email}'s account {how}, so this line "
                                "is skipped (a leaver: their 1-2-1s end). Remove the line.")
            elif user.id in not_people:
                skipped.add(row.line)
                what = NOT_A_PERSON[str(not_people[user.id].purpose)]
                warnings.append(f"{path}:{row.line}: {email} is {what} (Exchange), not a "
                                "person, so this line is skipped. Remove the line.")
            else:
                by_email[email] = user
    return FileSide(rows=[row for row in file_read.pairs if row.line not in skipped],
                    by_email=by_email, listed=bool(file_read.pairs),
                    meant_empty=says_no_pairs(file_text), digest=digest, warnings=warnings)


def _deleted(ctx: JobContext, addresses: set[str], everyone: Mapping[str, DirectoryUser]
             ) -> dict[str, DirectoryUser]:
    """Of the addresses no user has, those of someone onetoone paired before whom the
    directory no longer lists: a leaver whose account was deleted (users/delta told of it),
    not a typo. Named as disabled, as the stored person (an address onetoone never knew
    stays a problem of the file)."""
    if not addresses:
        return {}
    return {p.email: DirectoryUser.deleted(p.id, p.name, p.email)
            for p in ctx.store.people_by_email(addresses) if p.id not in everyone}
