"""`onetoone doctor`: config, database, sign-in and each Graph permission, with the fix."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.config.keys import DEPLOYED_FILE
from service.doctor.check import Check
from service.doctor.duty import name_clash, on_duty
from service.doctor.pairs import exclude_entries, pairs_file, pairs_people, pairs_plan
from service.doctor.permissions import permission_checks
from service.domain.status import PairingStatus
from service.errors import PairsFileError, ServiceError

if TYPE_CHECKING:  # imported when first used, like the store and Graph modules below
    from service.config import Settings


def _sandbox(settings: Settings, now: datetime) -> Any:
    """The sandbox tenant as the runs keep it, read and never written: a check changes
    nothing (no state file made where there is none, and no directory read recorded in it,
    which would move on the runs' own)."""
    from service.app import load_sandbox
    from service.sandbox import demo_tenant

    if not Path(settings.microsoft.sandbox_state).exists():
        return demo_tenant(now.date())
    tenant = load_sandbox(settings, now)
    tenant.autosave = None
    return tenant


def _config(settings: Settings, deployed: str) -> Check:
    """Where the settings came from. On a host where the service's own file exists, built-in
    defaults mean doctor was run without it (from a shell, without ``ONETOONE_CONFIG``): it
    would check the sandbox and pass, while the service runs on the real tenant."""
    if settings.source != "defaults":
        return Check("config", True, f"loaded from {settings.source}")
    if os.path.isfile(deployed):
        return Check("config", False,
                     f"built-in defaults (the sandbox tenant), but {deployed} exists: the "
                     "installed service reads that file, so this checked something else",
                     f"run `onetoone --config {deployed} doctor` as the service's user with "
                     "its environment (the secret): see docs/admin/operations.md, 'Commands "
                     "on the service's host'")
    return Check("config", True, "built-in defaults (no --config, $ONETOONE_CONFIG or "
                 "./onetoone.toml)")


def _password_exposed(settings: Settings) -> Check | None:
    """A database password written in the config file while other users of the machine can
    read the file ([database] url's help asks for ONETOONE_DATABASE_URL instead; `init`
    writes the file with the usual mode, as it holds no secret)."""
    origin = settings.origin("database.url")
    if settings.source == "defaults" or origin == "default" or origin.startswith("env "):
        return None
    from service.config.settings import hide_password

    try:
        mode = os.stat(settings.source).st_mode
    except OSError:
        return None
    # (Hidden where `config` shows it: as user:password@ or a ?password= parameter.)
    if hide_password(settings.database.url) == settings.database.url or not mode & 0o044:
        return None
    return Check("config file", False,
                 f"{settings.source} holds the database password in [database] url and can be "
                 f"read by other users of this machine (mode {mode & 0o777:04o})",
                 f"Move the URL to the environment variable ONETOONE_DATABASE_URL (the "
                 f"service's environment file, readable by its user only), or run `chmod 600 "
                 f"{settings.source}`.")


async def run_checks(settings: Settings, *, deployed: str = DEPLOYED_FILE) -> list[Check]:
    checks = [_config(settings, deployed)]
    if exposed_secret := _password_exposed(settings):
        checks.append(exposed_secret)
    database = _database(settings)
    checks.append(database)
    # Only a file known to be onetoone's is one to make private: another program's (or one
    # that is no database) is refused by every command, its mode left as that program set it.
    if database.ok and (exposed := _database_exposed(settings)):
        checks.append(exposed)
    if database.ok and (clock := _clock(settings)):
        checks.append(clock)
    if database.ok and (clash := name_clash(settings)):
        checks.append(clash)
    pairs_at = None
    if settings.pairs.source in ("file", "both") and settings.pairs.file is not None:
        pairs_at = len(checks)  # its addresses are checked once Graph can be reached
        checks.append(pairs_file(str(settings.pairs.file)))
    if settings.agenda.templates is not None:
        checks.append(_templates(settings.agenda.templates))
    if not settings.mail.topics_mailbox:
        checks.append(_no_topics_mailbox())
    from service.app import graph_for

    now = datetime.now(UTC)
    sandbox = _sandbox(settings, now) if settings.is_sandbox else None
    try:
        graph = graph_for(settings, sandbox=sandbox, max_retries=1)
    except ServiceError as exc:
        checks.append(Check("sign-in", False, str(exc), "see the message above"))
        return checks
    try:
        if settings.is_sandbox:
            checks.append(Check("sign-in", True, "built-in sandbox tenant (no Microsoft "
                                "account); set [microsoft] tenant_id to use yours"))
        else:
            token_check, roles = _token(graph)
            checks.append(token_check)
            if not token_check.ok:
                return checks
            if roles is not None:  # (an opaque token tells nothing: the probes below do)
                checks.extend(permission_checks(roles))
        if pairs_at is not None:
            checks[pairs_at] = await pairs_people(graph, settings)
            if checks[pairs_at].ok and database.ok:
                checks[pairs_at] = await pairs_plan(graph, settings, checks[pairs_at], now)
        checks.extend(await _probes(graph, settings))
        checks.extend(await group_probes(graph, settings))
        if excluded := await exclude_entries(graph, settings):
            checks.append(excluded)
        if holidays := await _holiday_zones(graph, settings):
            checks.append(holidays)
    finally:
        await graph.aclose()
    return checks


def _no_topics_mailbox() -> Check:
    """Without a service mailbox a report has no way to put a topic on their agenda before
    the meeting (the guidance has them lead it and prepare topics): runs work, but agendas
    list only what an administrator adds, and the report brings theirs along."""
    return Check(
        "topics", True, "no [mail] topics_mailbox: reports (and managers) cannot add topics "
        "to an agenda before the 1-2-1 (only `onetoone topics add` can), so agendas are led "
        "only by what the report brings to the meeting; invites and summaries ask them to "
        "bring their topics along",
        "Set [mail] topics_mailbox to a mailbox onetoone reads (docs/admin/mailbox-access.md) "
        "so each pair gets an address for topics, and the prep email's replies add them.",
        warn=True)


def _templates(folder: Path) -> Check:
    """The organisation's question bank loads and its agenda template parses (a mistake in
    either fails every run's agenda step). A template that parses may still fail to render
    for some agenda: `onetoone preview` renders one."""
    from jinja2 import TemplateError

    from service.jobs.agenda import question_bank
    from service.render import template, unreadable

    remove = "or remove it from the [agenda] templates folder to use the built-in one."
    try:
        bank = question_bank(folder)
    except ServiceError as exc:
        return Check("templates", False, str(exc), f"Fix the question bank, {remove}")
    agenda = folder / "agenda.html.j2"
    try:
        own_agenda = agenda.is_file()
        if own_agenda:
            template("agenda.html.j2", str(folder))
    except OSError as exc:  # the folder itself cannot be searched
        return Check("templates", False, str(unreadable(agenda, exc)), "See the message.")
    except ServiceError as exc:
        return Check("templates", False, str(exc), "See the message.")
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        return Check("templates", False,
                     f"{agenda}{f', line {line}' if line else ''}: "
                     f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}",
                     f"Fix it (try it with `onetoone preview PAIR`), {remove}")
    own_bank = (folder / "questions.toml").is_file()
    return Check("templates", True, f"{folder}: "
                 f"{'agenda.html.j2 parses' if own_agenda else 'the built-in agenda'}, "
                 f"{'questions.toml' if own_bank else 'the built-in questions'} "
                 f"({len(bank)} questions)")


def _database(settings: Settings) -> Check:
    from service.app import database_beside_config
    from service.store.db import (
        connect_hint,
        current_revision,
        foreign_problem,
        head_revision,
        known_revision,
        make_engine,
        sqlite_folder_problem,
        sqlite_path,
    )

    url = settings.database.url
    path = sqlite_path(url)
    if (there := database_beside_config(settings)) is not None:
        return Check("database", False, f"{path.absolute() if path else url} does not exist, "
                     f"but {there} does, beside the config file: a run from this folder would "
                     "start a second, empty database (the default [database] url is relative "
                     "to the working folder)",
                     f"Run from {there.parent}, or set [database] url = "
                     f"\"sqlite:///{there.name}\" in {settings.source}.")
    if path is not None and not path.exists():
        # Not created here: a check changes nothing (a typo'd path would leave a stray file).
        if problem := sqlite_folder_problem(url):
            what, fix = problem
            return Check("database", False, f"cannot open the SQLite file: {what}", fix)
        return Check("database", True, f"{path.absolute()} does not exist yet: the first run "
                     f"creates it (schema {head_revision()})")
    try:
        engine = make_engine(url)
        current = current_revision(engine)
        with engine.connect() as conn:
            foreign = foreign_problem(conn, current)
    except Exception as exc:  # report any driver failure as a failed check
        if problem := sqlite_folder_problem(url):
            what, fix = problem
            return Check("database", False, f"cannot open the SQLite file: {what}", fix)
        return Check("database", False, f"cannot connect: {str(exc).splitlines()[0]}",
                     connect_hint(url))
    if foreign is not None:
        return Check("database", False, *foreign)
    head = head_revision()
    if not known_revision(current):
        return Check("database", False, f"schema {current}, written by a newer onetoone "
                     f"(this one knows up to {head})", "Install that newer version again, or "
                     "restore the backup taken before the upgrade (docs/admin/upgrading.md).")
    if current == head:
        return Check("database", True, f"schema {head}{on_duty(engine)}")
    if engine.url.get_backend_name() == "sqlite":
        return Check("database", True, f"schema {current or 'empty'}; upgraded to {head} "
                     "automatically on first run")
    return Check("database", False, f"schema {current or 'empty'}, needs {head}",
                 "Run `onetoone db upgrade`.")


def _database_exposed(settings: Settings) -> Check | None:
    """A SQLite file other users of the machine can read (restored from a backup, copied in):
    said, not changed (a check changes nothing; the next run makes it owner-only)."""
    from service.store.db import sqlite_exposed

    exposed = sqlite_exposed(settings.database.url)
    if not exposed:
        return None
    paths = " ".join(str(path) for path, _mode in exposed)
    modes = ", ".join(f"{path.name} {mode:04o}" for path, mode in exposed)
    return Check("database file", False,
                 f"{paths} can be read or written by other users of this machine ({modes}); "
                 "it holds every note, private ones included",
                 f"Run `chmod 600 {paths}` (the worker also makes it owner-only when it next "
                 "opens it).")


def _token(graph: Any) -> tuple[Check, frozenset[str] | None]:
    from service.graph.auth import token_roles

    provider = graph._adapter._authentication_provider.access_token_provider
    try:
        token = provider.token()
    except ServiceError as exc:
        return Check("sign-in", False, str(exc), "Fix the credential named above."), None
    roles = token_roles(token)
    return Check("sign-in", True, "token acquired with msal"), roles


def _sample_mailbox(settings: Settings) -> str | None:
    """A manager onetoone already schedules for (inside any mailbox scope), if known."""
    try:
        from service.store.db import make_engine, sqlite_path
        from service.store.repo import Store

        path = sqlite_path(settings.database.url)
        if path is not None and not path.exists():
            return None  # no database yet (and a check creates none)
        views = Store(make_engine(settings.database.url)).views([PairingStatus.ACTIVE])
    except Exception:  # no database yet: fall back to the first directory user
        return None
    return views[0].manager.email if views else None


async def _probes(graph: Any, settings: Settings) -> list[Check]:
    """Real read-only calls: they prove consent and show access-policy blocks, on mailboxes
    onetoone uses (a manager's; the service mailbox's, when set)."""
    out: list[Check] = []
    try:
        await graph.request("GET", "/users", query={"$select": "id", "$top": "1"})
        out.append(Check("Graph: list users (User.Read.All)", True, "ok"))
        directory = True
    except ServiceError as exc:
        out.append(Check("Graph: list users (User.Read.All)", False, str(exc), "see the message"))
        # The mailboxes are still tried (a manager already paired needs no directory read):
        # with consent revoked they are refused too, said now rather than after this is fixed.
        directory = False
    target = _sample_mailbox(settings) or await _manager_to_pair(graph, settings)
    if target:
        for name, path in ((f"Graph: mailbox settings of {target} (MailboxSettings.Read)",
                            f"/users/{target}/mailboxSettings"),
                           (f"Graph: calendar of {target} (Calendars.ReadWrite)",
                            f"/users/{target}/calendar")):
            try:
                await graph.request("GET", path)
                out.append(Check(name, True, "ok"))
            except ServiceError as exc:
                out.append(Check(name, False, str(exc), "see the message"))
    elif (cfg := settings.pairs).uses_file and cfg.file is not None and not pairs_file(
            str(cfg.file)).ok:
        # A file refused for one line still lists its managers: asking for managers to be
        # set in Entra ID or listed in the file would send the admin after the wrong thing.
        out.append(Check(
            "Graph: a manager's mailbox", False, f"not tried: the pairs file {cfg.file} is "
            "refused (its line above says why), and before any pair is booked the mailbox "
            "tried is the file's first manager's",
            "Fix the pairs file as its line says, then run doctor again."))
    elif not directory:
        out.append(Check(
            "Graph: a manager's mailbox", False, "not tried: no pair is booked yet and the "
            "directory can't be read (the line above), so no manager onetoone would pair is "
            "known", "Fix the directory read as the line above says, then run doctor again."))
    else:
        out.append(Check(
            "Graph: a manager's mailbox", False, "no manager onetoone would pair was found "
            "(in the pairs file, among the first users the directory lists, or among "
            "[pairs] group_id's members where they can be read), so no mailbox was tried",
            "Set the managers in Entra ID (or list the pairs in the pairs file), then run "
            "doctor again; `onetoone schedule --dry-run` reads every mailbox it would pair."))
    if box := settings.mail.topics_mailbox:
        out.append(await _topics_probe(graph, box))
    return out


# Users read, a page of 100 at a time (the most Graph gives with $expand), looking for one
# with a manager: enough for any directory that has managers, bounded for one that has none.
_MANAGER_SEARCH_PAGES = 10


async def _manager_to_pair(graph: Any, settings: Settings) -> str | None:
    """Before any pair is booked: the address of a manager onetoone would pair — the pairs
    file's first, else the manager of the first user (of ``[pairs] group_id`` when set) who
    has one. Not whoever the directory lists first: with mailbox access scoped to the people
    onetoone serves (Exchange RBAC for Applications), as the guide recommends, that user is
    most likely outside the scope, and the checks would fail (asking for them to be added
    to it) while every run works; a user without a mailbox would fail them too, and one
    without an address would have no mailbox tried at all."""
    from service.domain.pairs_csv import parse_pairs_csv
    from service.graph.plumbing import graph_path
    from service.graph.wire import ADVANCED_QUERY
    from service.store.files import read_pairs_file

    cfg = settings.pairs
    exclude = {e.lower() for e in cfg.exclude}

    def first(emails: list[str]) -> str | None:
        return next((e.lower() for e in emails if e and e.lower() not in exclude), None)

    if cfg.uses_file and cfg.file is not None:
        try:
            pairs = parse_pairs_csv(read_pairs_file(str(cfg.file)), str(cfg.file))
        except PairsFileError:
            pairs = []  # the pairs file check says why
        if manager := first([p.manager_email for p in pairs]):
            return manager
    if not cfg.uses_directory:
        return None
    found: list[str] = []
    try:
        if cfg.group_id:
            page = await graph.request(
                "GET", graph_path("groups", cfg.group_id, "transitiveMembers",
                                  "microsoft.graph.user"),
                query={"$select": "id", "$top": "20", "$count": "true"}, headers=ADVANCED_QUERY)
            members = await graph.find_users([u["id"] for u in page.get("value") or []])
            boss_ids = list(dict.fromkeys(u.manager_id for u in members.values()
                                          if u.manager_id))
            bosses = await graph.find_users(boss_ids)
            found = [bosses[b].email for b in boss_ids if b in bosses]
        else:
            page = await graph.request("GET", "/users", query={
                "$select": "id", "$expand": "manager($select=id,mail)", "$top": "100"})
            for _ in range(_MANAGER_SEARCH_PAGES):
                found += [(u.get("manager") or {}).get("mail") or ""
                          for u in page.get("value") or []]
                link = page.get("@odata.nextLink")
                if first(found) or not link:
                    break
                page = await graph.request("GET", "/users", url=link)
    except ServiceError:
        pass  # the group check names that failure (a run would fail on it too)
    return first(found)


async def _topics_probe(graph: Any, box: str) -> Check:
    """The service mailbox's Inbox, read as the topics job reads it (it also marks mail read
    and sends from it: Mail.ReadWrite and Mail.Send, which a read can't try)."""
    from service.graph.plumbing import graph_path

    name = f"Graph: mail of {box} ([mail] topics_mailbox; Mail.ReadWrite)"
    try:
        await graph.request("GET", graph_path("users", box, "mailFolders", "inbox", "messages"),
                            query={"$select": "id", "$top": "1"})
    except ServiceError as exc:
        return Check(name, False, str(exc), "see the message")
    return Check(name, True, "its Inbox can be read")


async def _holiday_zones(graph: Any, settings: Settings) -> Check | None:
    """The people onetoone pairs whose mailbox time zone (as stored: no request) is outside
    the country of the holidays they get: staff in Kolkata on the default GB-ENG have their
    meetings moved off England's bank holidays and not off their own, and nothing fails to
    say so. None before any pair is booked (no zone read yet)."""
    from service.domain.holiday_zones import FIX, outside_zones, zone_table
    from service.store.files import zone_tables

    people = _paired_people(settings)
    if not people:
        return None
    members: dict[str, set[str]] = {}
    for group_id, _code in settings.holidays.groups:
        try:
            users = await graph.list_users(group_id=group_id, with_managers=False)
        except ServiceError:
            users = []  # its group line says why; the runs give it no members either
        members[group_id] = {u.id for u in users}
    cfg = settings.holidays
    found = outside_zones(
        ((cfg.code_for(p.email, frozenset(g for g, ids in members.items() if p.id in ids)),
          p.time_zone) for p in people), zone_table(zone_tables()))
    if not found:
        return Check("holidays", True, f"{len(people)} people paired, each mailbox's time "
                     "zone in the country whose holidays they get (or one that tells none)")
    return Check("holidays", True, "; ".join(o.words() for o in found), FIX,
                 warn=True)


def _paired_people(settings: Settings) -> list[Any]:
    """Everyone in an active pairing, once each (none without a database)."""
    try:
        from service.store.db import make_engine, sqlite_path
        from service.store.repo import Store

        path = sqlite_path(settings.database.url)
        if path is not None and not path.exists():
            return []  # no database yet (and a check creates none)
        views = Store(make_engine(settings.database.url)).views([PairingStatus.ACTIVE])
    except Exception:  # the database line says what is wrong with it
        return []
    return list({p.id: p for v in views for p in (v.manager, v.report)}.values())


def _groups(settings: Settings) -> dict[str, str]:
    """Each group the settings name (its id), with the first setting that names it."""
    named: dict[str, str] = {}
    if settings.pairs.group_id and settings.pairs.uses_directory:
        named.setdefault(settings.pairs.group_id, "[pairs] group_id")
    for group_id, _cadence in settings.policy.groups:
        named.setdefault(group_id, "[policy.groups]")
    for group_id, _code in settings.holidays.groups:
        named.setdefault(group_id, "[holidays.groups]")
    return named


async def group_probes(graph: Any, settings: Settings) -> list[Check]:
    """Each configured group's members can be read, as the jobs read them: a group that is
    gone, or GroupMember.Read.All not granted, otherwise shows only in a run's failures."""
    from service.errors import NotFound, PermissionDenied
    from service.graph.plumbing import graph_path
    from service.graph.wire import ADVANCED_QUERY

    out: list[Check] = []
    for group_id, key in _groups(settings).items():
        name = f"Graph: members of group {group_id} ({key}; GroupMember.Read.All)"
        try:
            await graph.request(
                "GET", graph_path("groups", group_id, "transitiveMembers", "microsoft.graph.user"),
                query={"$select": "id", "$top": "1", "$count": "true"}, headers=ADVANCED_QUERY)
            out.append(Check(name, True, "ok"))
        except NotFound as exc:
            out.append(Check(name, False, f"no such group ({exc})",
                             f"Set {key} to the group's Object ID (Entra admin center > Groups "
                             "> the group > Overview), or remove it."))
        except PermissionDenied as exc:
            out.append(Check(name, False, str(exc),
                             "Add the Microsoft Graph application permission "
                             "GroupMember.Read.All and grant admin consent."))
        except ServiceError as exc:
            out.append(Check(name, False, str(exc), "see the message"))
    return out


# How far this host's clock may be from the database server's. Replicas on several hosts
# judge one another's claims (2 minutes for a plan, 10 for a pair, 15 before an unconfirmed
# mail is sent again) by their own clocks: one well off takes over work another holds.
CLOCK_SLACK = 30.0


def _clock(settings: Settings) -> Check | None:
    """On a server database (where replicas may run on several hosts): this host's clock
    against the server's. None on SQLite (one host) or when it is close enough."""
    from service.store.db import clock_offset, make_engine

    if settings.database.url.startswith("sqlite"):
        return None
    try:
        off = clock_offset(make_engine(settings.database.url))
    except Exception as exc:  # the database line has said whether it can be used
        return Check("clock", True, f"not compared with the database server's "
                     f"({str(exc).splitlines()[0]})", warn=True)
    if abs(off) <= CLOCK_SLACK:
        return None
    return Check("clock", True, f"this host's clock is {abs(off):.0f} s "
                 f"{'behind' if off > 0 else 'ahead of'} the database server's: workers on "
                 "hosts whose clocks differ take over work another holds (a pair's agenda "
                 "written twice, a mail sent twice)",
                 "Keep every host's clock in sync (NTP: chrony or systemd-timesyncd).",
                 warn=True)
