"""Checks of one value each: the generic type/choice/range check and the per-key checks.

:func:`check_value` runs the generic check a :class:`~service.config.keys.Key` declares, then
the key's own check from ``_CHECKS`` if it has one. A check returns the typed value (a path
resolved against the config file's folder, an enum, a tuple) or raises
:class:`~service.config.problems.Bad`/``BadMany`` saying what is wrong and how to fix it.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Callable
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from service.config.holiday_codes import (
    check_holiday_country,
    check_holiday_subdivision,
    holiday_table,
)
from service.config.keys import CADENCES, CLOUD_AUTHORITIES, CLOUD_GRAPH_URLS, GUID_EXAMPLE, Key
from service.config.problems import Bad, BadMany, Raw
from service.domain.cadence import cadence_hint
from service.domain.model import WEEKDAYS, CadenceKind
from service.domain.pairs_csv import is_valid_email
from service.domain.timezones import to_iana

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_GUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_DOMAIN_RE = re.compile(
    r"^(?=.{4,253}$)([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$"
)
_HHMM_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def int_fix(k: Key) -> str:
    """How to fix a bad whole number: the key's choices or its range."""
    if k.choices:
        return f"Set it to one of {', '.join(map(str, k.choices))}."
    return f"Set it to a whole number from {k.minimum} to {k.maximum}."


def check_value(k: Key, item: Raw) -> Any:
    """``item``'s value as ``k`` wants it: type, choices and range first, then the key's check."""
    value = item.value
    if k.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise Bad("is not a whole number", int_fix(k))
    elif k.type == "bool":
        if not isinstance(value, bool):
            raise Bad("is not true or false", "Set it to true or false (no quotes).")
    elif k.type == "str":
        if not isinstance(value, str):
            raise Bad("is not text", f'Put the value in double quotes: {k.key} = "...".')
        value = value.strip()
    elif k.type == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Bad("is not a list of text", f'Write it as {k.key} = ["...", "..."].')
        value = [v.strip() for v in value]
    elif k.type == "auto":
        if isinstance(value, str) and value.strip().lower() == "auto":
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise Bad('is not "auto" or a whole number from 0',
                      'Set it to "auto" (with the quotes), a whole number (no quotes), or 0 '
                      "for no limit.")
    elif k.type == "table" and not isinstance(value, dict):
        raise Bad(
            "is not a table",
            f'Write it as a [{k.section}.{k.key}] section of name = "value" lines.',
        )

    if k.choices:
        value = _choose(k, value)
    if k.minimum is not None and k.maximum is not None and not k.minimum <= value <= k.maximum:
        raise Bad(f"is outside {k.minimum}..{k.maximum}", int_fix(k))
    check = _CHECKS.get((k.section, k.key))
    return check(value, item) if check else value


def _choose(k: Key, value: Any) -> Any:
    if isinstance(value, str):
        for choice in k.choices:
            if str(choice).lower() == value.lower():
                return choice
    elif value in k.choices:
        return value
    names = [str(c) for c in k.choices]
    if k.choices == CADENCES:
        # By meaning, as the pairs file does: "biweekly" is spelt like weekly but means
        # fortnightly, and taking a spelling match would double the meetings.
        hint = cadence_hint(str(value))
    else:
        lowered = [n.lower() for n in names]
        close = difflib.get_close_matches(str(value).lower(), lowered, n=1)
        hint = f" Did you mean {names[lowered.index(close[0])]}?" if close else ""
    raise Bad(
        f"is not one of {', '.join(names)}",
        f"Set it to one of those.{hint}",
    )


def _guid_or_empty(what: str, fix: str) -> Callable[[str, Raw], str]:
    def check(value: str, item: Raw) -> str:
        if value and not _GUID_RE.match(value):
            raise Bad(f"is not a {what} (a GUID like {GUID_EXAMPLE})", fix)
        return value.lower()

    return check


def _check_tenant(value: str, item: Raw) -> str:
    if value and not (_GUID_RE.match(value) or _DOMAIN_RE.match(value)):
        raise Bad(
            "is neither a tenant GUID nor a domain name",
            "Set it to the Directory (tenant) ID from the Entra admin centre "
            f"(like {GUID_EXAMPLE}) or a domain such as contoso.onmicrosoft.com; "
            "leave it empty to use the sandbox",
        )
    return value.lower()


def _check_url(value: str, *, what: str, example: str) -> str:
    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise Bad("is not an https URL", f"Set it to a URL like {example}, or leave it empty.")
    if parts.scheme == "http" and host not in _LOCAL_HOSTS:
        raise Bad(
            "uses http",
            f"Use https (plain http is allowed only for localhost); e.g. {example}.",
        )
    if parts.query or parts.fragment:
        raise Bad("has a query or fragment", f"Set it to the {what} only, like {example}.")
    return value.rstrip("/")


def _check_authority(value: str, item: Raw) -> str:
    if not value:
        return value
    example = CLOUD_AUTHORITIES["global"]
    if urlsplit(value).scheme == "http":  # (msal refuses any http authority, a local one too)
        raise Bad("uses http", f"msal signs in only over https: use an https URL, e.g. {example}.")
    value = _check_url(value, what="login host", example=example)
    if urlsplit(value).path not in ("", "/"):
        raise Bad(
            "has a path",
            f"Set it to the login host only, like {example}; the tenant comes from tenant_id.",
        )
    return value


def _check_graph_url(value: str, item: Raw) -> str:
    if not value:
        return value
    example = CLOUD_GRAPH_URLS["global"]
    value = _check_url(value, what="Graph base URL", example=example)
    if not (value.endswith("/v1.0") or value.endswith("/beta")):
        raise Bad("does not end in /v1.0 or /beta", f"Set it to a base URL like {example}.")
    return value


def _resolve(value: str, item: Raw) -> Path:
    path = Path(value).expanduser()
    if item.base is not None and not path.is_absolute():
        path = item.base / path
    return path


def _optional_path(value: str, item: Raw, *, folder: bool, fix: str) -> Path | None:
    """An optional file or folder setting: empty -> None; else it must exist."""
    if not value:
        return None
    path = _resolve(value, item)
    if not (path.is_dir() if folder else path.is_file()):
        if folder:
            problem = "is not a folder" if path.exists() else "does not exist"
        else:
            problem = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise Bad(f"{problem} (looked for {path})", fix)
    return path


def _check_certificate_path(value: str, item: Raw) -> Path | None:
    return _optional_path(value, item, folder=False, fix=(
        "Fix the path to the PEM file (relative paths in the file are relative to its "
        "folder), or leave it empty to use a client secret."))


def _check_thumbprint(value: str, item: Raw) -> str:
    # Copying from Windows certificate dialogs adds spaces, colons and an invisible LRM mark.
    cleaned = re.sub(r"[\s:\u200e\u200f]", "", value)
    if cleaned and not re.fullmatch(r"[0-9a-fA-F]{40}", cleaned):
        raise Bad(
            "is not a SHA-1 thumbprint (40 hex characters)",
            "Copy the Thumbprint column from the app registration's Certificates & secrets page",
        )
    return cleaned.upper()


def _check_sandbox_state(value: str, item: Raw) -> Path:
    if not value:
        raise Bad("is empty", 'Set it to a file name such as "onetoone-sandbox.json".')
    return _resolve(value, item)


def _check_database_url(value: str, item: Raw) -> str:
    fix = "Set it to sqlite:///onetoone.db or postgresql+psycopg://user:password@host:5432/db"
    scheme = value.partition("://")[0].lower() if "://" in value else ""
    if scheme in ("postgres", "postgresql+psycopg2", "postgresql+asyncpg", "postgresql+pg8000"):
        raise Bad("uses a driver onetoone does not ship", fix.replace("Set it to", "Use"))
    if scheme not in ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg"):
        raise Bad("is not a sqlite:// or postgresql:// URL", fix)
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from service.config.settings import unencoded_at

    # An "@" in the password (common in generated ones) ends it for the URL parser, and the
    # rest of the password becomes the server's name, port or database: connecting would
    # fail with that part of the password in the error and the logs.
    unencoded = Bad("has an '@' in its password that is not percent-encoded",
                    "Write each '@' in the password as %40 (and each '%' as %25), e.g. "
                    "postgresql+psycopg://user:pa%40ss@host:5432/db")
    if unencoded_at(value):
        raise unencoded
    try:
        url = make_url(value)
    except (ArgumentError, ValueError):
        # Not the parser's own words: they quote the part it choked on, which may be the
        # password's.
        raise Bad("cannot be parsed (is the port a number?)", fix) from None
    if "@" in (url.host or ""):
        raise unencoded
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername.startswith("postgresql") and not url.host and not url.query.get("host"):
        raise Bad("has no host", fix)
    if url.drivername.startswith("sqlite") and url.database and url.database != ":memory:":
        database = Path(url.database)
        if item.base is not None and not database.is_absolute():
            url = url.set(database=str(item.base / database))
    return url.render_as_string(hide_password=False)


def _check_cadence(value: str, item: Raw) -> CadenceKind:
    return CadenceKind(value)


def _check_hhmm(value: str, item: Raw) -> time:
    match = _HHMM_RE.match(value)
    if not match:
        raise Bad("is not a time HH:MM", 'Write it like "09:30" (24-hour clock)')
    return time(int(match.group(1)), int(match.group(2)))


def _check_weekdays(value: list[str], item: Raw) -> tuple[str, ...]:
    if not value:
        raise Bad("is empty", 'List at least one day, e.g. ["monday", "wednesday"]')
    problems: list[Bad] = []
    days: set[str] = set()
    for day in value:
        name = day.lower()
        if name in WEEKDAYS:
            days.add(name)
            continue
        close = difflib.get_close_matches(name, WEEKDAYS, n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]}?" if close else ""
        problems.append(
            Bad(
                "is not a day of the week",
                f"Use full English day names ({', '.join(WEEKDAYS)}).{hint}",
                label="[policy] weekdays entry",
                value=day,
            )
        )
    if problems:
        raise BadMany(problems)
    return tuple(day for day in WEEKDAYS if day in days)


def _check_subject(value: str, item: Raw) -> str:
    fix = (
        'Use only {manager} and {report}, e.g. "1-2-1: {manager} & {report}" (write {{ for a brace)'
    )
    if not value:
        raise Bad("is empty", fix)
    try:
        fields = [
            name for _, name, spec, conv in string.Formatter().parse(value) if name is not None
        ]
    except ValueError as exc:
        raise Bad(f"has an unbalanced brace ({exc})", fix) from None
    unknown = [name for name in fields if name not in ("manager", "report")]
    if unknown:
        raise Bad(f"uses {{{unknown[0]}}}", fix)
    try:
        value.format(manager="M", report="R")
    except (ValueError, KeyError, IndexError) as exc:
        raise Bad(f"cannot be filled in ({exc})", fix) from None
    return value



def _check_worker_name(value: str, item: Raw) -> str:
    """A lease owner is name:pid (store/leases.py): no colon, and room for the pid in the
    owner columns' 80 characters; cutting a long name could give two replicas one."""
    fix = "Use up to 64 letters, digits, dots, dashes or underscores, e.g. the pod's name"
    if len(value) > 64:
        raise Bad(f"is {len(value)} characters long", fix)
    if not re.fullmatch(r"[A-Za-z0-9._-]*", value):
        raise Bad("may hold only letters, digits, dots, dashes and underscores", fix)
    return value


def _check_time_zone(value: str, item: Raw) -> str:
    try:
        return to_iana(value)
    except ValueError:
        raise Bad(
            "is not a known time zone",
            'Use an IANA name such as "Europe/London" or "America/New_York", '
            'or a Windows name such as "GMT Standard Time"',
        ) from None



def _check_groups(value: dict[str, Any], item: Raw) -> tuple[tuple[str, CadenceKind], ...]:
    problems: list[Bad] = []
    groups: list[tuple[str, CadenceKind]] = []
    for group, cadence in value.items():
        label = f"[policy.groups] {group}"
        if not _GUID_RE.match(group):
            problems.append(
                Bad(
                    "is not an Entra group id",
                    f"Use the group's Object ID (a GUID like {GUID_EXAMPLE}) as the name",
                    label=label,
                    value=cadence,
                    entry=group,
                )
            )
            continue
        if not isinstance(cadence, str) or cadence.strip().lower() not in CADENCES:
            problems.append(
                Bad(
                    f"is not one of {', '.join(CADENCES)}",
                    "Set it to one of those."
                    + (cadence_hint(cadence) if isinstance(cadence, str) else ""),
                    label=label,
                    value=cadence,
                    entry=group,
                )
            )
            continue
        groups.append((group.lower(), CadenceKind(cadence.strip().lower())))
    if problems:
        raise BadMany(problems)
    return tuple(groups)


def _check_pairs_file(value: str, item: Raw) -> Path | None:
    """The pairs file's path. A folder is refused here; a file missing is not: a share not
    mounted yet must not stop every command (status, mail) and the worker starting. The
    pairs step then fails on its own, each run, saying so (as a bad file does), and
    `onetoone doctor` checks the file."""
    if not value:
        return None
    path = _resolve(value, item)
    if path.is_dir():
        raise Bad(f"is a folder, not a file (looked for {path})",
                  "Point it at the CSV file itself (relative paths in the file are relative "
                  "to its folder)")
    return path


def _check_optional_email(value: str, item: Raw) -> str:
    if value and not is_valid_email(value):
        raise Bad("is not a valid email address",
                  "Write the service mailbox as name@example.com, or leave it empty")
    return value.lower()


def _check_template_folder(value: str, item: Raw) -> Path | None:
    return _optional_path(value, item, folder=True, fix=(
        "Point it at a folder holding agenda.html.j2 and/or questions.toml, or leave it "
        "empty for the built-in templates"))


def _check_exclude(value: list[str], item: Raw) -> tuple[str, ...]:
    # (An object id names someone whatever becomes of their addresses.)
    problems = [
        Bad(
            "is neither an email address nor a directory object id",
            "Write each entry as name@example.com (their address, an alias or their user "
            "principal name) or as their Object ID from the Entra admin center",
            label="[pairs] exclude entry",
            value=email,
        )
        for email in value
        if not is_valid_email(email) and not _GUID_RE.match(email)
    ]
    if problems:
        raise BadMany(problems)
    return tuple(dict.fromkeys(email.lower() for email in value))


def _check_not_empty(value: str, item: Raw) -> str:
    if not value:
        raise Bad("is empty", 'Set it to an address such as "127.0.0.1" or "0.0.0.0"')
    return value


def _group_key_problem(name: str) -> Bad | None:
    if _GUID_RE.match(name):
        return None
    return Bad("is not an Entra group id",
               f"Use the group's Object ID (a GUID like {GUID_EXAMPLE}) as the name")


def _email_key_problem(name: str) -> Bad | None:
    if is_valid_email(name):
        return None
    return Bad("is not a valid email address", "Use the person's email as the name")


_CHECKS: dict[tuple[str, str], Callable[[Any, Raw], Any]] = {
    ("holidays", "country"): check_holiday_country,
    ("holidays", "subdivision"): check_holiday_subdivision,
    ("holidays", "groups"): holiday_table("groups", _group_key_problem),
    ("holidays", "people"): holiday_table("people", _email_key_problem),
    ("agenda", "templates"): _check_template_folder,
    ("mail", "topics_mailbox"): _check_optional_email,
    ("microsoft", "tenant_id"): _check_tenant,
    ("microsoft", "client_id"): _guid_or_empty(
        "client id",
        "Copy the Application (client) ID from the app registration's Overview page",
    ),
    ("microsoft", "authority"): _check_authority,
    ("microsoft", "graph_url"): _check_graph_url,
    ("microsoft", "certificate_path"): _check_certificate_path,
    ("microsoft", "certificate_thumbprint"): _check_thumbprint,
    ("microsoft", "sandbox_state"): _check_sandbox_state,
    ("database", "url"): _check_database_url,
    ("policy", "new_starter_cadence"): _check_cadence,
    ("policy", "manager_cadence"): _check_cadence,
    ("policy", "default_cadence"): _check_cadence,
    ("policy", "window_start"): _check_hhmm,
    ("policy", "window_end"): _check_hhmm,
    ("policy", "weekdays"): _check_weekdays,
    ("policy", "subject"): _check_subject,
    ("policy", "time_zone"): _check_time_zone,
    ("policy", "groups"): _check_groups,
    ("pairs", "group_id"): _guid_or_empty(
        "group id", "Copy the group's Object ID from Entra, or leave it empty for all users"
    ),
    ("pairs", "file"): _check_pairs_file,
    ("pairs", "exclude"): _check_exclude,
    ("worker", "health_host"): _check_not_empty,
    ("worker", "name"): _check_worker_name,
}
