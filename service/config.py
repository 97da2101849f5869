"""Settings: a TOML file plus ``ONETOONE_<SECTION>_<KEY>`` environment variables, parsed once.

One table, :data:`KEYS`, drives everything: parsing and validation, the environment variable
names, ``config.example.toml`` / ``onetoone init`` (:func:`render_example`), ``--help`` text
(:func:`env_help`) and ``onetoone config show`` (:func:`describe`).

Rules:

- the environment wins over the file; both win over the defaults;
- the client secret comes only from ``ONETOONE_MICROSOFT_CLIENT_SECRET``, never from the file;
- every problem is collected and reported together, one per line, each naming where the value
  came from (``file:line`` or the environment variable), the ``[section] key``, the bad value
  and how to fix it;
- relative paths written in the file are relative to the file's folder (so a service started
  from another directory still finds them); paths from the environment or the defaults are
  relative to the working directory.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import json
import os
import re
import string
import textwrap
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from service.domain.model import WEEKDAYS, CadenceKind
from service.domain.pairs_csv import is_valid_email
from service.domain.policy import CadencePolicy, SeriesPolicy, SlotPolicy
from service.errors import ConfigError, ServiceError

DEFAULT_FILE = "onetoone.toml"
ENV_PREFIX = "ONETOONE_"
ENV_CONFIG = "ONETOONE_CONFIG"
ENV_SECRET = "ONETOONE_MICROSOFT_CLIENT_SECRET"
ENV_IGNORED_PREFIXES = ("ONETOONE_TEST_",)

CLOUD_AUTHORITIES = {
    "global": "https://login.microsoftonline.com",
    "usgov": "https://login.microsoftonline.us",
    "usgov-dod": "https://login.microsoftonline.us",
    "china": "https://login.chinacloudapi.cn",
}
CLOUD_GRAPH_URLS = {
    "global": "https://graph.microsoft.com/v1.0",
    "usgov": "https://graph.microsoft.us/v1.0",
    "usgov-dod": "https://dod-graph.microsoft.us/v1.0",
    "china": "https://microsoftgraph.chinacloudapi.cn/v1.0",
}
CADENCES = tuple(kind.value for kind in CadenceKind)
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_GUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_DOMAIN_RE = re.compile(
    r"^(?=.{4,253}$)([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$"
)
_HHMM_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_GUID_EXAMPLE = "00000000-0000-0000-0000-000000000000"


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """One setting: where it lives, its type and default, and the one-line help shown to admins.

    ``type`` is one of ``str``, ``int``, ``bool``, ``list`` (of strings) or ``table`` (a
    ``[section.key]`` sub-table of string -> string). ``choices`` and ``minimum``/``maximum`` are
    checked generically; anything more specific lives in ``_CHECKS``.
    """

    section: str
    key: str
    type: str
    default: Any
    help: str
    choices: tuple[Any, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    secret: bool = False
    env_only: bool = False
    # A table's example entry (file form "name" = "value"; env form name=value), for help.
    example: tuple[str, str] = ("", "")

    @property
    def name(self) -> str:
        """``section.key``, as ``describe`` shows it."""
        return f"{self.section}.{self.key}"

    @property
    def env(self) -> str:
        """The environment variable that overrides this key."""
        return f"{ENV_PREFIX}{self.section.upper()}_{self.key.upper()}"


KEYS: tuple[Key, ...] = (
    # [microsoft]
    Key(
        "microsoft",
        "tenant_id",
        "str",
        "",
        "Directory (tenant) ID (a GUID) or a verified domain such as contoso.onmicrosoft.com. "
        "Empty: use the built-in sandbox tenant (a local file; nothing touches Microsoft).",
    ),
    Key(
        "microsoft",
        "client_id",
        "str",
        "",
        "Application (client) ID of the Entra app registration (a GUID). "
        "Required when tenant_id is set.",
    ),
    Key(
        "microsoft",
        "client_secret",
        "str",
        "",
        "Client secret of the app registration. Only ever from the environment variable "
        f"{ENV_SECRET}; never write it in this file. Use either it or a certificate.",
        secret=True,
        env_only=True,
    ),
    Key(
        "microsoft",
        "cloud",
        "str",
        "global",
        "Microsoft cloud: global, usgov (GCC High), usgov-dod (DoD) or china (21Vianet). "
        "Chooses the default authority and graph_url.",
        choices=("global", "usgov", "usgov-dod", "china"),
    ),
    Key(
        "microsoft",
        "authority",
        "str",
        "",
        "Login host, e.g. https://login.microsoftonline.com (no tenant in it). "
        "Empty: the cloud's default.",
    ),
    Key(
        "microsoft",
        "graph_url",
        "str",
        "",
        "Microsoft Graph base URL ending in /v1.0 or /beta, without a trailing slash. "
        "Empty: the cloud's default.",
    ),
    Key(
        "microsoft",
        "certificate_path",
        "str",
        "",
        "PEM file with the app's private key and certificate (instead of a client secret). "
        "Set together with certificate_thumbprint.",
    ),
    Key(
        "microsoft",
        "certificate_thumbprint",
        "str",
        "",
        "SHA-1 thumbprint of that certificate: 40 hex characters, as the Entra admin centre "
        "shows it.",
    ),
    Key(
        "microsoft",
        "sandbox_state",
        "str",
        "onetoone-sandbox.json",
        "File where the sandbox tenant keeps its users and calendars (sandbox mode only).",
    ),
    Key(
        "microsoft",
        "max_in_flight_per_mailbox",
        "int",
        4,
        "Graph requests in flight at once per mailbox (Exchange allows 4).",
        minimum=1,
        maximum=4,
    ),
    Key(
        "microsoft",
        "max_in_flight",
        "int",
        16,
        "Graph requests in flight at once in total.",
        minimum=1,
        maximum=64,
    ),
    Key(
        "microsoft",
        "timeout_seconds",
        "int",
        30,
        "Seconds to wait for one Graph response.",
        minimum=1,
        maximum=300,
    ),
    Key(
        "microsoft",
        "max_retries",
        "int",
        4,
        "Retries of a throttled or failed idempotent Graph request.",
        minimum=0,
        maximum=10,
    ),
    # [database]
    Key(
        "database",
        "url",
        "str",
        "sqlite:///onetoone.db",
        "SQLAlchemy URL: sqlite:///path.db (default, zero set-up) or "
        "postgresql+psycopg://user:password@host/db (production, several workers). "
        "Put the password in ONETOONE_DATABASE_URL rather than in this file.",
    ),
    # [policy]
    Key(
        "policy",
        "minutes",
        "int",
        30,
        "Length of a 1-2-1 in minutes (the guidance: about 30, 30-45).",
        minimum=15,
        maximum=120,
    ),
    Key(
        "policy",
        "new_starter_days",
        "int",
        90,
        "A report hired this many days ago or fewer is a new starter.",
        minimum=0,
        maximum=365,
    ),
    Key(
        "policy",
        "new_starter_cadence",
        "str",
        "weekly",
        "Cadence for new starters: weekly, fortnightly or monthly.",
        choices=CADENCES,
    ),
    Key(
        "policy",
        "manager_cadence",
        "str",
        "fortnightly",
        "Cadence for reports who manage others (the guidance: at least fortnightly).",
        choices=CADENCES,
    ),
    Key(
        "policy",
        "default_cadence",
        "str",
        "monthly",
        "Cadence for everyone else (the guidance: at least monthly).",
        choices=CADENCES,
    ),
    Key(
        "policy",
        "months_ahead",
        "int",
        6,
        "Keep each series booked this many months ahead (the guidance: at least six).",
        minimum=1,
        maximum=12,
    ),
    Key(
        "policy",
        "extend_months",
        "int",
        3,
        "When a series runs short, extend it by this many months.",
        minimum=1,
        maximum=6,
    ),
    Key(
        "policy",
        "window_start",
        "str",
        "09:30",
        "Earliest start of a 1-2-1, HH:MM in each person's own time zone.",
    ),
    Key(
        "policy",
        "window_end",
        "str",
        "16:30",
        "Latest end of a 1-2-1, HH:MM in each person's own time zone.",
    ),
    Key(
        "policy",
        "weekdays",
        "list",
        ["monday", "tuesday", "wednesday", "thursday", "friday"],
        "Days a 1-2-1 may fall on (names).",
    ),
    Key(
        "policy",
        "free_busy_weeks",
        "int",
        6,
        "Weeks of both calendars checked when choosing a slot.",
        minimum=1,
        maximum=8,
    ),
    Key(
        "policy",
        "step_minutes",
        "int",
        30,
        "Candidate start times are this many minutes apart: 15, 30 or 60.",
        choices=(15, 30, 60),
    ),
    Key(
        "policy",
        "teams_meeting",
        "bool",
        True,
        "Make each 1-2-1 a Teams meeting (true) or in person only (false).",
    ),
    Key(
        "policy",
        "subject",
        "str",
        "1-2-1: {manager} & {report}",
        "Subject of the series; may use {manager} and {report} (display names).",
    ),
    Key(
        "policy",
        "time_zone",
        "str",
        "Europe/London",
        "Time zone used when a mailbox has none: an IANA name (Europe/London) or a Windows "
        "name (GMT Standard Time).",
    ),
    Key(
        "policy",
        "groups",
        "table",
        {},
        "Per-group cadence: Entra group id (GUID) = cadence. The first listed group a report "
        "belongs to wins over the rules above.",
    ),
    # [pairs]
    Key(
        "pairs",
        "source",
        "str",
        "directory",
        "Where pairs come from: directory (each user's manager in Entra), file (the CSV "
        "below) or both (the file adds to and overrides the directory).",
        choices=("directory", "file", "both"),
    ),
    Key(
        "pairs",
        "group_id",
        "str",
        "",
        "Only pair members of this Entra group (GUID). Empty: all enabled member users.",
    ),
    Key(
        "pairs",
        "file",
        "str",
        "",
        "Pairs CSV (manager,report[,cadence,minutes]); required when source is file or both.",
    ),
    Key("pairs", "exclude", "list", [], "Emails never paired, as manager or report."),
    # [agenda]
    Key(
        "agenda",
        "lead_working_days",
        "int",
        2,
        "Working days before each 1-2-1 that its agenda is written into the invite.",
        minimum=1,
        maximum=10,
    ),
    Key(
        "agenda",
        "extra_updates",
        "int",
        1,
        "Further agenda updates allowed per meeting when a new topic arrives (each sends the "
        "report a meeting update).",
        minimum=0,
        maximum=5,
    ),
    Key(
        "agenda",
        "grace_minutes",
        "int",
        30,
        "Minutes after a 1-2-1 ends before its notes and actions are read back.",
        minimum=0,
        maximum=1440,
    ),
    Key(
        "agenda",
        "recapture_days",
        "int",
        7,
        "Days after a 1-2-1 during which later edits to its notes are still picked up.",
        minimum=0,
        maximum=60,
    ),
    Key(
        "agenda",
        "development_every",
        "int",
        3,
        "Every Nth meeting always covers learning and development.",
        minimum=1,
        maximum=12,
    ),
    Key(
        "agenda",
        "development_max_days",
        "int",
        60,
        "Development is also covered when it has not been for this many days.",
        minimum=7,
        maximum=365,
    ),
    Key(
        "agenda",
        "templates",
        "str",
        "",
        "Folder with your own agenda.html.j2 / questions.toml (empty: the built-in ones). "
        "Rendered in a sandbox; people's text is always escaped.",
    ),
    # [mail]
    Key(
        "mail",
        "summaries",
        "bool",
        True,
        "Email the report a summary (notes, actions) from the manager's mailbox after each "
        "1-2-1 with notes.",
    ),
    Key("mail", "cc_manager", "bool", True, "Copy the manager on each summary."),
    Key(
        "mail",
        "reminders",
        "bool",
        True,
        "Remind a manager once when no notes were recorded for a 1-2-1.",
    ),
    Key(
        "mail",
        "reminder_hours",
        "int",
        24,
        "Hours after a 1-2-1 ends before the reminder about missing notes goes.",
        minimum=1,
        maximum=336,
    ),
    Key(
        "mail",
        "per_minute",
        "int",
        30,
        "Most messages sent from one mailbox per minute (Exchange Online allows 30).",
        minimum=1,
        maximum=30,
    ),
    Key(
        "mail",
        "prep_email",
        "bool",
        False,
        "When an agenda goes into the invite, also email the report how to add their topics.",
    ),
    Key(
        "mail",
        "topics_mailbox",
        "str",
        "",
        "A mailbox (e.g. onetoone@contoso.com) where the pair can email topics for their next "
        "1-2-1; each agenda carries its own plus-address. Empty: off. Needs Mail.ReadWrite "
        "and Mail.Send on that one mailbox.",
    ),
    # [holidays]
    Key(
        "holidays",
        "country",
        "str",
        "GB",
        "Public holidays that 1-2-1s are moved off: the country code (ISO 3166, e.g. GB, US, "
        "DE) of everyone without a group or person override below.",
    ),
    Key(
        "holidays",
        "subdivision",
        "str",
        "ENG",
        "Region of that country whose holidays apply (e.g. ENG, SCT, WLS, NIR for GB; NY for "
        "US). Empty: the country's national holidays only.",
    ),
    Key(
        "holidays",
        "groups",
        "table",
        {},
        "Per-group holidays: Entra group id (GUID) = country or country-region code. The first "
        "listed group a person belongs to wins over the default above.",
        example=(_GUID_EXAMPLE, "GB-SCT"),
    ),
    Key(
        "holidays",
        "people",
        "table",
        {},
        "Per-person holidays: email = country or country-region code. Wins over groups.",
        example=("ann@contoso.com", "US-NY"),
    ),
    # [worker]
    Key(
        "worker",
        "interval_minutes",
        "int",
        15,
        "How often the worker runs the due jobs.",
        minimum=1,
        maximum=1440,
    ),
    Key(
        "worker",
        "sync_minutes",
        "int",
        60,
        "How often the worker re-reads the directory and the pairs file.",
        minimum=1,
        maximum=10080,
    ),
    Key(
        "worker",
        "health_host",
        "str",
        "127.0.0.1",
        "Address the health endpoint listens on (0.0.0.0 in a container).",
    ),
    Key(
        "worker",
        "health_port",
        "int",
        8080,
        "Port of the health endpoint; 0 turns it off.",
        minimum=0,
        maximum=65535,
    ),
    Key(
        "worker",
        "log_format",
        "str",
        "auto",
        "Log format: json, text, or auto (text on a terminal, json otherwise).",
        choices=("auto", "json", "text"),
    ),
    Key(
        "worker",
        "log_level",
        "str",
        "INFO",
        "Log level: DEBUG, INFO, WARNING or ERROR.",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
    ),
)

SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(k.section for k in KEYS))
_BY_NAME: dict[tuple[str, str], Key] = {(k.section, k.key): k for k in KEYS}
_BY_ENV: dict[str, Key] = {k.env: k for k in KEYS}


def get_key(section: str, name: str) -> Key:
    """The :class:`Key` for ``[section] name`` (KeyError when there is none)."""
    return _BY_NAME[(section, name)]


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MicrosoftSettings:
    """How to reach Microsoft (or the sandbox). ``authority``/``graph_url`` are resolved."""

    tenant_id: str
    client_id: str
    cloud: str
    authority: str
    graph_url: str
    certificate_path: Path | None
    certificate_thumbprint: str
    sandbox_state: Path
    max_in_flight_per_mailbox: int
    max_in_flight: int
    timeout_seconds: int
    max_retries: int
    client_secret: str = field(default="", repr=False)

    @property
    def is_sandbox(self) -> bool:
        """True when no tenant is configured: the local sandbox tenant stands in for Graph."""
        return not self.tenant_id

    @property
    def authority_url(self) -> str:
        """The msal authority: login host + "/" + tenant."""
        return f"{self.authority}/{self.tenant_id}"

    @property
    def credential(self) -> str:
        """Which app credential is configured: "secret", "certificate" or "" (none)."""
        if self.client_secret:
            return "secret"
        if self.certificate_path is not None:
            return "certificate"
        return ""


@dataclass(frozen=True, repr=False)
class DatabaseSettings:
    """Where the state lives. ``url`` may hold a password: show ``safe_url`` instead."""

    url: str

    @property
    def safe_url(self) -> str:
        """The URL with any password replaced by ``***``."""
        return _hide_password(self.url)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def __repr__(self) -> str:
        return f"DatabaseSettings(url={self.safe_url!r})"


@dataclass(frozen=True)
class PolicySettings:
    """The organisation's 1-2-1 policy (see the ``*_policy()`` helpers on Settings)."""

    minutes: int
    new_starter_days: int
    new_starter_cadence: CadenceKind
    manager_cadence: CadenceKind
    default_cadence: CadenceKind
    months_ahead: int
    extend_months: int
    window_start: time
    window_end: time
    weekdays: tuple[str, ...]
    free_busy_weeks: int
    step_minutes: int
    teams_meeting: bool
    subject: str
    time_zone: str  # always an IANA name (a Windows name is converted)
    groups: tuple[tuple[str, CadenceKind], ...]


@dataclass(frozen=True)
class PairsSettings:
    """Where manager-report pairs come from."""

    source: str
    group_id: str
    file: Path | None
    exclude: tuple[str, ...]

    @property
    def uses_directory(self) -> bool:
        return self.source in ("directory", "both")

    @property
    def uses_file(self) -> bool:
        return self.source in ("file", "both")


@dataclass(frozen=True)
class AgendaSettings:
    """Agendas in each occurrence and reading back notes and actions."""

    lead_working_days: int
    extra_updates: int
    grace_minutes: int
    recapture_days: int
    development_every: int
    development_max_days: int
    templates: Path | None


@dataclass(frozen=True)
class MailSettings:
    """Summaries and reminders sent from the manager's mailbox."""

    summaries: bool
    cc_manager: bool
    reminders: bool
    reminder_hours: int
    per_minute: int
    prep_email: bool = False
    topics_mailbox: str = ""


@dataclass(frozen=True)
class HolidaySettings:
    """Whose public holidays apply to whom. Codes are "GB" or "GB-SCT" (country-region)."""

    country: str = "GB"
    subdivision: str = "ENG"
    groups: tuple[tuple[str, str], ...] = ()  # (group id, code), first match wins
    people: tuple[tuple[str, str], ...] = ()  # (lower-cased email, code)

    @property
    def default_code(self) -> str:
        return f"{self.country}-{self.subdivision}" if self.subdivision else self.country

    def code_for(self, email: str, groups: frozenset[str] = frozenset()) -> str:
        """The holiday calendar of one person: their own override, a group's, or the default."""
        wanted = email.lower()
        for who, code in self.people:
            if who == wanted:
                return code
        for group, code in self.groups:
            if group in groups:
                return code
        return self.default_code


@dataclass(frozen=True)
class WorkerSettings:
    """The long-running worker: schedule, health endpoint and logging."""

    interval_minutes: int
    sync_minutes: int
    health_host: str
    health_port: int
    log_format: str
    log_level: str


@dataclass(frozen=True)
class Settings:
    """All settings, validated. ``source`` is the config file's path or "defaults"."""

    microsoft: MicrosoftSettings
    database: DatabaseSettings
    policy: PolicySettings
    pairs: PairsSettings
    worker: WorkerSettings
    agenda: AgendaSettings = field(default_factory=lambda: AgendaSettings(
        2, 1, 30, 7, 3, 60, None))
    mail: MailSettings = field(default_factory=lambda: MailSettings(True, True, True, 24, 30))
    holidays: HolidaySettings = field(default_factory=HolidaySettings)
    source: str = "defaults"
    # "section.key" -> where the value came from ("default", the file, "env ONETOONE_...")
    origins: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)

    @property
    def is_sandbox(self) -> bool:
        return self.microsoft.is_sandbox

    def origin(self, name: str) -> str:
        """Where ``section.key`` came from: "default", the file path or "env VARIABLE"."""
        return dict(self.origins).get(name, "default")

    def cadence_policy(self) -> CadencePolicy:
        p = self.policy
        return CadencePolicy(
            minutes=p.minutes,
            new_starter_days=p.new_starter_days,
            new_starter=p.new_starter_cadence,
            manager_of_others=p.manager_cadence,
            default=p.default_cadence,
            group_overrides=p.groups,
        )

    def slot_policy(self) -> SlotPolicy:
        p = self.policy
        return SlotPolicy(
            window_start=p.window_start,
            window_end=p.window_end,
            weekdays=frozenset(WEEKDAYS.index(day) for day in p.weekdays),
            step_minutes=p.step_minutes,
            free_busy_weeks=p.free_busy_weeks,
            fallback_time_zone=p.time_zone,
        )

    def series_policy(self) -> SeriesPolicy:
        p = self.policy
        return SeriesPolicy(
            months_ahead=p.months_ahead,
            extend_months=p.extend_months,
            teams_meeting=p.teams_meeting,
            subject=p.subject,
        )


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


class _Bad(Exception):
    """One problem with one value: ``problem`` follows "[s] k = value", ``fix`` says what to do.

    ``label``/``value`` replace the key name and value in the message when the problem is with
    one entry of a list or table.
    """

    def __init__(self, problem: str, fix: str, *, label: str | None = None, value: Any = None,
                 entry: str | None = None):
        super().__init__(problem)
        self.problem = problem
        self.fix = fix
        self.label = label
        self.value = value
        self.entry = entry  # the table entry's name, to find its line in the file


class _BadMany(Exception):
    def __init__(self, problems: list[_Bad]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass
class _Raw:
    """A value before validation, with where it came from."""

    value: Any
    origin: str  # "default", the file path as given, or "env NAME"
    where: str  # prefix for messages: "file:line", "file", "NAME" or "defaults"
    base: Path | None = None  # folder that relative paths are relative to (file values only)
    from_env: bool = False


def load_config(path: str | Path | None, env: Mapping[str, str] | None = None) -> Settings:
    """Read, merge and validate the settings once; raise ConfigError listing every problem.

    ``path`` None means ``$ONETOONE_CONFIG`` if set, else ``./onetoone.toml`` if it exists,
    else the defaults alone. An explicit path (or ONETOONE_CONFIG) that does not exist is an error.
    """
    env = os.environ if env is None else env
    file_path: Path | None = None
    shown: str = "defaults"
    if path is not None:
        file_path, shown = Path(path), str(path)
        if not file_path.is_file():
            raise ConfigError(
                f"{shown}: config file not found. Fix the path, or create one with `onetoone init`."
            )
    elif env.get(ENV_CONFIG):
        file_path, shown = Path(env[ENV_CONFIG]), env[ENV_CONFIG]
        if not file_path.is_file():
            raise ConfigError(
                f"{ENV_CONFIG}: config file {shown!r} not found. Fix the path in {ENV_CONFIG}, "
                "unset it, or create the file with `onetoone init`."
            )
    elif Path(DEFAULT_FILE).is_file():
        file_path, shown = Path(DEFAULT_FILE), DEFAULT_FILE

    text = ""
    data: dict[str, Any] = {}
    if file_path is not None:
        try:
            text = file_path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{shown}: is not UTF-8 text ({exc.reason} at byte {exc.start}). Save it as UTF-8."
            ) from exc
        except OSError as exc:
            raise ConfigError(
                f"{shown}: cannot be read ({exc.strerror}). Check its permissions."
            ) from exc
        data = _parse_toml(text, shown)
    settings = _build(data, text, shown, file_path, env)
    return settings


def default_settings() -> Settings:
    """The settings with no file and no environment: sandbox mode, the guidance's defaults."""
    return _build({}, "", "defaults", None, {})


def _parse_toml(text: str, shown: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        if match:
            reason = message[: match.start()].strip()
            raise ConfigError(
                f"{shown}:{match.group(1)}: TOML syntax error at column {match.group(2)}: "
                f"{reason}. Fix that line (text values need double quotes: "
                'key = "value"; lists look like ["a", "b"]).'
            ) from exc
        raise ConfigError(
            f"{shown}: TOML syntax error: {message}. Fix the file "
            '(text values need double quotes: key = "value").'
        ) from exc


def _build(
    data: Mapping[str, Any],
    text: str,
    shown: str,
    file_path: Path | None,
    env: Mapping[str, str],
) -> Settings:
    errors: list[str] = []
    base = file_path.resolve().parent if file_path is not None else None
    raw: dict[tuple[str, str], _Raw] = {
        (k.section, k.key): _Raw(k.default, "default", "defaults") for k in KEYS
    }

    # 1. the file: structure first (unknown sections and keys, the secret), then values.
    for section, table in data.items():
        if section not in SECTIONS:
            errors.append(_unknown_section(section, table, shown, text))
            continue
        if not isinstance(table, dict):
            errors.append(
                f"{_where(shown, text, None, section)}: {section} = {_show(table)} is not a "
                f"section. Write it as a [{section}] header followed by its keys."
            )
            continue
        for name, value in table.items():
            k = _BY_NAME.get((section, name))
            where = _where(shown, text, section, name)
            if k is None:
                errors.append(_unknown_key(section, name, where))
            elif k.env_only:
                errors.append(
                    f"{where}: [{section}] {name} must not be in the config file (a file gets "
                    f"copied, committed and backed up). Delete the line and set the environment "
                    f"variable {k.env} instead; if this file was ever shared, rotate the secret."
                )
            else:
                if k.type == "table":  # a [section.key] header, not a key = value line
                    where = _where(shown, text, None, k.name)
                raw[(section, name)] = _Raw(value, shown, where, base)

    # 2. the environment wins.
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX) or name == ENV_CONFIG:
            continue
        if name.startswith(ENV_IGNORED_PREFIXES):
            continue
        k = _BY_ENV.get(name)
        if k is None:
            close = difflib.get_close_matches(name, list(_BY_ENV), n=1, cutoff=0.6)
            hint = f"Did you mean {close[0]}?" if close else "Remove it or fix its name."
            errors.append(
                f"{name}: is not a known setting (ONETOONE_* variables are reserved for "
                f"settings). {hint} config.example.toml lists every setting; each is "
                f"ONETOONE_<SECTION>_<KEY>."
            )
            continue
        try:
            value = _from_env(k, env[name])
        except _Bad as bad:
            errors.append(_message(name, k, env[name], bad))
            continue
        raw[(k.section, k.key)] = _Raw(value, f"env {name}", name, None, from_env=True)

    # 3. each value on its own.
    values: dict[tuple[str, str], Any] = {}
    for k in KEYS:
        item = raw[(k.section, k.key)]
        try:
            values[(k.section, k.key)] = _check(k, item)
        except _Bad as bad:
            errors.append(_message(item.where, k, item.value, bad))
        except _BadMany as many:
            for bad in many.problems:
                # An entry of a table ([policy.groups]) is reported at its own line.
                where = item.where
                if bad.entry is not None and not item.from_env and text:
                    where = _where(shown, text, f"{k.section}.{k.key}", bad.entry)
                errors.append(_message(where, k, item.value, bad))

    # 4. values together (only where the values involved are themselves valid).
    errors.extend(_cross_checks(values, raw))

    if errors:
        raise ConfigError("\n".join(errors))

    def section(name: str) -> dict[str, Any]:
        return {k.key: values[(k.section, k.key)] for k in KEYS if k.section == name}

    ms = section("microsoft")
    cloud = ms["cloud"]
    ms["authority"] = ms["authority"] or CLOUD_AUTHORITIES[cloud]
    ms["graph_url"] = ms["graph_url"] or CLOUD_GRAPH_URLS[cloud]
    origins = tuple((f"{s}.{n}", item.origin) for (s, n), item in raw.items())
    return Settings(
        microsoft=MicrosoftSettings(**ms),
        database=DatabaseSettings(**section("database")),
        policy=PolicySettings(**section("policy")),
        pairs=PairsSettings(**section("pairs")),
        worker=WorkerSettings(**section("worker")),
        agenda=AgendaSettings(**section("agenda")),
        mail=MailSettings(**section("mail")),
        holidays=HolidaySettings(**section("holidays")),
        source=shown if file_path is not None else "defaults",
        origins=origins,
    )


def _where(shown: str, text: str, section: str | None, name: str) -> str:
    line = _find_line(text, section, name)
    return f"{shown}:{line}" if line else shown


def _find_line(text: str, section: str | None, name: str) -> int | None:
    """The line where ``name`` is set in ``[section]`` (or the ``[name]`` header)."""
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[\s*([^\[\]]+?)\s*\]", stripped)
        if header:
            current = header.group(1).replace('"', "").replace(" ", "")
            if section is None and current == name:
                return number
            continue
        assign = re.match(r"""^["']?([^"'=\s]+)["']?\s*=""", stripped)
        if assign and assign.group(1) == name and current == section:
            return number
    return None


def _unknown_section(section: str, table: Any, shown: str, text: str) -> str:
    if not isinstance(table, dict):
        owners = [k for k in KEYS if k.key == section and not k.env_only]
        if owners:
            k = owners[0]
            return (
                f"{_where(shown, text, None, section)}: {section} is not inside a section. "
                f"Move it under [{k.section}]."
            )
        return (
            f"{_where(shown, text, None, section)}: {section} is not inside a section and is "
            f"not a known key. Sections are: {', '.join(SECTIONS)}."
        )
    close = difflib.get_close_matches(section, SECTIONS, n=1, cutoff=0.5)
    hint = f"Did you mean [{close[0]}]?" if close else f"Known sections: {', '.join(SECTIONS)}."
    return (
        f"{_where(shown, text, None, section)}: [{section}] is not a known section. {hint} "
        "Rename or remove it."
    )


def _unknown_key(section: str, name: str, where: str) -> str:
    known = [k.key for k in KEYS if k.section == section and not k.env_only]
    close = _suggest(name, known)
    elsewhere = [k for k in KEYS if k.key == name and not k.env_only]
    if close:
        hint = f"Did you mean {_either(close)}?"
    elif elsewhere:
        hint = f"It belongs in [{elsewhere[0].section}]; move it there."
    else:
        hint = f"Known keys in [{section}]: {', '.join(known)}."
    return f"{where}: [{section}] {name} is not a known key. {hint}"


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _suggest(name: str, known: list[str]) -> list[str]:
    """Known names close to ``name``, whole or by a word of them ("cadense" -> *_cadence)."""

    def score(candidate: str) -> float:
        parts = [candidate, *candidate.split("_")]
        return max(difflib.SequenceMatcher(None, name.lower(), p).ratio() for p in parts)

    scores = {candidate: score(candidate) for candidate in known}
    best = max(scores.values(), default=0.0)
    if best < 0.6:
        return []
    return [candidate for candidate, value in scores.items() if value == best][:3]


def _message(where: str, k: Key, value: Any, bad: _Bad) -> str:
    label = bad.label or f"[{k.section}] {k.key}"
    shown_value = bad.value if bad.label else value
    if k.secret:
        shown = "(hidden)"
    elif k.key == "url" and k.section == "database" and isinstance(shown_value, str):
        shown = _show(_hide_password(shown_value))
    else:
        shown = _show(shown_value)
    fix = bad.fix if bad.fix.endswith((".", "?", ")")) else f"{bad.fix}."
    return f"{where}: {label} = {shown} {bad.problem}. {fix}"


def _show(value: Any) -> str:
    """A value as TOML would spell it (for messages and the example file)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_show(str(a))} = {_show(b)}" for a, b in value.items()) + " }"
    return _show(str(value))


# --------------------------------------------------------------------------------------------
# Values: environment parsing, types, checks
# --------------------------------------------------------------------------------------------

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def _from_env(k: Key, text: str) -> Any:
    """Turn an environment variable's text into the value the file would have held."""
    text = text.strip()
    if k.type == "int":
        try:
            return int(text)
        except ValueError:
            raise _Bad("is not a whole number", _int_fix(k)) from None
    if k.type == "bool":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise _Bad("is not true or false", "Set it to true or false (or 1/0, yes/no).")
    if k.type == "list":
        return [part.strip() for part in text.split(",") if part.strip()]
    if k.type == "table":
        table: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, sep, value = part.partition("=")
            if not sep or not name.strip() or not value.strip():
                name_ex, value_ex = k.example if k.example[0] else (_GUID_EXAMPLE, "weekly")
                raise _Bad(
                    f"has {part!r}, which is not name=value",
                    f"Write it as {name_ex}={value_ex},<another name>=<another value>.",
                )
            table[name.strip()] = value.strip()
        return table
    return text


def _int_fix(k: Key) -> str:
    if k.choices:
        return f"Set it to one of {', '.join(map(str, k.choices))}."
    return f"Set it to a whole number from {k.minimum} to {k.maximum}."


def _check(k: Key, item: _Raw) -> Any:
    value = item.value
    if k.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad("is not a whole number", _int_fix(k))
    elif k.type == "bool":
        if not isinstance(value, bool):
            raise _Bad("is not true or false", "Set it to true or false (no quotes).")
    elif k.type == "str":
        if not isinstance(value, str):
            raise _Bad("is not text", f'Put the value in double quotes: {k.key} = "...".')
        value = value.strip()
    elif k.type == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _Bad("is not a list of text", f'Write it as {k.key} = ["...", "..."].')
        value = [v.strip() for v in value]
    elif k.type == "table" and not isinstance(value, dict):
        raise _Bad(
            "is not a table",
            f'Write it as a [{k.section}.{k.key}] section of name = "value" lines.',
        )

    if k.choices:
        value = _choose(k, value)
    if k.minimum is not None and k.maximum is not None and not k.minimum <= value <= k.maximum:
        raise _Bad(f"is outside {k.minimum}..{k.maximum}", _int_fix(k))
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
    close = difflib.get_close_matches(str(value).lower(), [n.lower() for n in names], n=1)
    hint = f" Did you mean {names[[n.lower() for n in names].index(close[0])]}?" if close else ""
    raise _Bad(
        f"is not one of {', '.join(names)}",
        f"Set it to one of those.{hint}",
    )


def _guid_or_empty(what: str, fix: str) -> Callable[[str, _Raw], str]:
    def check(value: str, item: _Raw) -> str:
        if value and not _GUID_RE.match(value):
            raise _Bad(f"is not a {what} (a GUID like {_GUID_EXAMPLE})", fix)
        return value.lower()

    return check


def _check_tenant(value: str, item: _Raw) -> str:
    if value and not (_GUID_RE.match(value) or _DOMAIN_RE.match(value)):
        raise _Bad(
            "is neither a tenant GUID nor a domain name",
            "Set it to the Directory (tenant) ID from the Entra admin centre "
            f"(like {_GUID_EXAMPLE}) or a domain such as contoso.onmicrosoft.com; "
            "leave it empty to use the sandbox",
        )
    return value.lower()


def _check_url(value: str, *, what: str, example: str) -> str:
    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise _Bad("is not an https URL", f"Set it to a URL like {example}, or leave it empty.")
    if parts.scheme == "http" and host not in _LOCAL_HOSTS:
        raise _Bad(
            "uses http",
            f"Use https (plain http is allowed only for localhost); e.g. {example}.",
        )
    if parts.query or parts.fragment:
        raise _Bad("has a query or fragment", f"Set it to the {what} only, like {example}.")
    return value.rstrip("/")


def _check_authority(value: str, item: _Raw) -> str:
    if not value:
        return value
    example = CLOUD_AUTHORITIES["global"]
    value = _check_url(value, what="login host", example=example)
    if urlsplit(value).path not in ("", "/"):
        raise _Bad(
            "has a path",
            f"Set it to the login host only, like {example}; the tenant comes from tenant_id.",
        )
    return value


def _check_graph_url(value: str, item: _Raw) -> str:
    if not value:
        return value
    example = CLOUD_GRAPH_URLS["global"]
    value = _check_url(value, what="Graph base URL", example=example)
    if not (value.endswith("/v1.0") or value.endswith("/beta")):
        raise _Bad("does not end in /v1.0 or /beta", f"Set it to a base URL like {example}.")
    return value


def _resolve(value: str, item: _Raw) -> Path:
    path = Path(value).expanduser()
    if item.base is not None and not path.is_absolute():
        path = item.base / path
    return path


def _optional_path(value: str, item: _Raw, *, folder: bool, fix: str) -> Path | None:
    """An optional file or folder setting: empty -> None; else it must exist."""
    if not value:
        return None
    path = _resolve(value, item)
    if not (path.is_dir() if folder else path.is_file()):
        problem = "is not a folder" if folder else "does not exist"
        raise _Bad(f"{problem} (looked for {path})", fix)
    return path


def _check_certificate_path(value: str, item: _Raw) -> Path | None:
    return _optional_path(value, item, folder=False, fix=(
        "Fix the path to the PEM file (relative paths in the file are relative to its "
        "folder), or leave it empty to use a client secret."))


def _check_thumbprint(value: str, item: _Raw) -> str:
    # Copying from Windows certificate dialogs adds spaces, colons and an invisible LRM mark.
    cleaned = re.sub(r"[\s:\u200e\u200f]", "", value)
    if cleaned and not re.fullmatch(r"[0-9a-fA-F]{40}", cleaned):
        raise _Bad(
            "is not a SHA-1 thumbprint (40 hex characters)",
            "Copy the Thumbprint column from the app registration's Certificates & secrets page",
        )
    return cleaned.upper()


def _check_sandbox_state(value: str, item: _Raw) -> Path:
    if not value:
        raise _Bad("is empty", 'Set it to a file name such as "onetoone-sandbox.json".')
    return _resolve(value, item)


def _hide_password(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
    except Exception:  # not a URL at all: hide anything between "://user:" and "@"
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
    return parsed.render_as_string(hide_password=True)


def _check_database_url(value: str, item: _Raw) -> str:
    fix = "Set it to sqlite:///onetoone.db or postgresql+psycopg://user:password@host:5432/db"
    scheme = value.partition("://")[0].lower() if "://" in value else ""
    if scheme in ("postgres", "postgresql+psycopg2", "postgresql+asyncpg", "postgresql+pg8000"):
        raise _Bad("uses a driver onetoone does not ship", fix.replace("Set it to", "Use"))
    if scheme not in ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg"):
        raise _Bad("is not a sqlite:// or postgresql:// URL", fix)
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(value)
    except (ArgumentError, ValueError) as exc:
        raise _Bad(f"cannot be parsed ({exc})", fix) from None
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername.startswith("postgresql") and not url.host and not url.query.get("host"):
        raise _Bad("has no host", fix)
    if url.drivername.startswith("sqlite") and url.database and url.database != ":memory:":
        database = Path(url.database)
        if item.base is not None and not database.is_absolute():
            url = url.set(database=str(item.base / database))
    return url.render_as_string(hide_password=False)


def _check_cadence(value: str, item: _Raw) -> CadenceKind:
    return CadenceKind(value)


def _check_hhmm(value: str, item: _Raw) -> time:
    match = _HHMM_RE.match(value)
    if not match:
        raise _Bad("is not a time HH:MM", 'Write it like "09:30" (24-hour clock)')
    return time(int(match.group(1)), int(match.group(2)))


def _check_weekdays(value: list[str], item: _Raw) -> tuple[str, ...]:
    if not value:
        raise _Bad("is empty", 'List at least one day, e.g. ["monday", "wednesday"]')
    problems: list[_Bad] = []
    days: set[str] = set()
    for day in value:
        name = day.lower()
        if name in WEEKDAYS:
            days.add(name)
            continue
        close = difflib.get_close_matches(name, WEEKDAYS, n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]}?" if close else ""
        problems.append(
            _Bad(
                "is not a day of the week",
                f"Use full English day names ({', '.join(WEEKDAYS)}).{hint}",
                label="[policy] weekdays entry",
                value=day,
            )
        )
    if problems:
        raise _BadMany(problems)
    return tuple(day for day in WEEKDAYS if day in days)


def _check_subject(value: str, item: _Raw) -> str:
    fix = (
        'Use only {manager} and {report}, e.g. "1-2-1: {manager} & {report}" (write {{ for a brace)'
    )
    if not value:
        raise _Bad("is empty", fix)
    try:
        fields = [
            name for _, name, spec, conv in string.Formatter().parse(value) if name is not None
        ]
    except ValueError as exc:
        raise _Bad(f"has an unbalanced brace ({exc})", fix) from None
    unknown = [name for name in fields if name not in ("manager", "report")]
    if unknown:
        raise _Bad(f"uses {{{unknown[0]}}}", fix)
    try:
        value.format(manager="M", report="R")
    except (ValueError, KeyError, IndexError) as exc:
        raise _Bad(f"cannot be filled in ({exc})", fix) from None
    return value


def _windows_to_iana() -> Callable[[str], Any] | None:
    try:
        module = importlib.import_module("service.domain.timezones")
    except ModuleNotFoundError as exc:
        if exc.name != "service.domain.timezones":
            raise
        return None
    convert = getattr(module, "to_iana", None)
    return convert if callable(convert) else None


def _zone_exists(name: str) -> bool:
    if not name or name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _check_time_zone(value: str, item: _Raw) -> str:
    if _zone_exists(value):
        return value
    convert = _windows_to_iana()
    if convert is not None:
        try:
            iana = convert(value)
        except (LookupError, ValueError, ServiceError):
            iana = None
        if isinstance(iana, str) and _zone_exists(iana):
            return iana
    raise _Bad(
        "is not a known time zone",
        'Use an IANA name such as "Europe/London" or "America/New_York"'
        + (', or a Windows name such as "GMT Standard Time"' if convert else ""),
    )


def _check_groups(value: dict[str, Any], item: _Raw) -> tuple[tuple[str, CadenceKind], ...]:
    problems: list[_Bad] = []
    groups: list[tuple[str, CadenceKind]] = []
    for group, cadence in value.items():
        label = f"[policy.groups] {group}"
        if not _GUID_RE.match(group):
            problems.append(
                _Bad(
                    "is not an Entra group id",
                    f"Use the group's Object ID (a GUID like {_GUID_EXAMPLE}) as the name",
                    label=label,
                    value=cadence,
                    entry=group,
                )
            )
            continue
        if not isinstance(cadence, str) or cadence.strip().lower() not in CADENCES:
            problems.append(
                _Bad(
                    f"is not one of {', '.join(CADENCES)}",
                    "Set it to one of those",
                    label=label,
                    value=cadence,
                    entry=group,
                )
            )
            continue
        groups.append((group.lower(), CadenceKind(cadence.strip().lower())))
    if problems:
        raise _BadMany(problems)
    return tuple(groups)


def _check_pairs_file(value: str, item: _Raw) -> Path | None:
    return _optional_path(value, item, folder=False, fix=(
        "Create the CSV (manager,report[,cadence,minutes]) or fix the path (relative paths "
        "in the file are relative to its folder)"))


def _check_optional_email(value: str, item: _Raw) -> str:
    if value and not is_valid_email(value):
        raise _Bad("is not a valid email address",
                   "Write the service mailbox as name@example.com, or leave it empty")
    return value.lower()


def _check_template_folder(value: str, item: _Raw) -> Path | None:
    return _optional_path(value, item, folder=True, fix=(
        "Point it at a folder holding agenda.html.j2 and/or questions.toml, or leave it "
        "empty for the built-in templates"))


def _check_exclude(value: list[str], item: _Raw) -> tuple[str, ...]:
    problems = [
        _Bad(
            "is not a valid email address",
            "Write each entry as name@example.com",
            label="[pairs] exclude entry",
            value=email,
        )
        for email in value
        if not is_valid_email(email)
    ]
    if problems:
        raise _BadMany(problems)
    return tuple(dict.fromkeys(email.lower() for email in value))


def _check_not_empty(value: str, item: _Raw) -> str:
    if not value:
        raise _Bad("is empty", 'Set it to an address such as "127.0.0.1" or "0.0.0.0"')
    return value


_UK_REGIONS = ("ENG", "NIR", "SCT", "WLS")  # the default's; known without the library


@functools.lru_cache(maxsize=1)
def _holiday_countries() -> dict[str, list[str]]:
    import holidays  # imported only when needed: it adds ~0.2 s to start-up

    return {c.upper(): [str(s) for s in subs]
            for c, subs in holidays.list_supported_countries().items()}


def _holiday_code(code: str) -> tuple[str, str, _Bad | None]:
    """("GB", "SCT", None) for "gb-sct", or the problem with the code."""
    country, _, sub = code.strip().upper().partition("-")
    if country == "GB" and (not sub or sub in _UK_REGIONS):
        return country, sub, None
    known = _holiday_countries()
    if country not in known:
        close = difflib.get_close_matches(country, list(known), n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]}?" if close else ""
        return country, sub, _Bad("is not a country the holidays library knows",
                                  f"Use an ISO 3166 country code such as GB, US, DE or FR.{hint}")
    regions = known[country]
    if sub and sub not in {r.upper() for r in regions}:
        shown = ", ".join(regions[:40]) + (", ..." if len(regions) > 40 else "")
        return country, sub, _Bad(f"is not a region of {country}",
                                  f"Use one of {shown or '(none)'}, or no region")
    return country, sub, None


def _check_holiday_country(value: str, item: _Raw) -> str:
    if not value:
        raise _Bad("is empty", 'Set it to a country code such as "GB" or "US"')
    country, sub, problem = _holiday_code(value)
    if problem:
        raise problem
    if sub:
        raise _Bad("is not a country code alone",
                   'Put only the country here ("GB") and the region in subdivision ("SCT")')
    return country


def _check_holiday_subdivision(value: str, item: _Raw) -> str:
    if value and not re.fullmatch(r"[A-Za-z0-9]{1,6}", value):
        raise _Bad("is not a region code", 'Use a short code such as "ENG" or "NY", or ""')
    return value.upper()


def _holiday_table(label: str, key_problem: Callable[[str], _Bad | None]
                   ) -> Callable[[dict[str, Any], _Raw], tuple[tuple[str, str], ...]]:
    """A [holidays.<label>] table of name = "GB-SCT" codes, each entry checked."""

    def check(value: dict[str, Any], item: _Raw) -> tuple[tuple[str, str], ...]:
        problems: list[_Bad] = []
        out: list[tuple[str, str]] = []
        for name, code in value.items():
            where = {"label": f"[holidays.{label}] {name}", "value": code, "entry": name}
            bad = key_problem(name)
            if bad is None and (not isinstance(code, str) or not code.strip()):
                bad = _Bad("is not a holiday code", 'Write it like "GB-SCT" or "US"')
            country = sub = ""
            if bad is None:
                country, sub, bad = _holiday_code(str(code))
            if bad is not None:
                problems.append(_Bad(bad.problem, bad.fix, **where))
                continue
            out.append((name.lower(), f"{country}-{sub}" if sub else country))
        if problems:
            raise _BadMany(problems)
        return tuple(out)

    return check


def _group_key_problem(name: str) -> _Bad | None:
    if _GUID_RE.match(name):
        return None
    return _Bad("is not an Entra group id",
                f"Use the group's Object ID (a GUID like {_GUID_EXAMPLE}) as the name")


def _email_key_problem(name: str) -> _Bad | None:
    if is_valid_email(name):
        return None
    return _Bad("is not a valid email address", "Use the person's email as the name")


_CHECKS: dict[tuple[str, str], Callable[[Any, _Raw], Any]] = {
    ("holidays", "country"): _check_holiday_country,
    ("holidays", "subdivision"): _check_holiday_subdivision,
    ("holidays", "groups"): _holiday_table("groups", _group_key_problem),
    ("holidays", "people"): _holiday_table("people", _email_key_problem),
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
}


def _cross_checks(
    values: Mapping[tuple[str, str], Any], raw: Mapping[tuple[str, str], _Raw]
) -> list[str]:
    """Rules that involve several keys; each is skipped if one of its keys is already invalid."""
    errors: list[str] = []

    def have(*names: str) -> bool:
        return all(tuple(n.split(".")) in values for n in names)

    def where(*names: str) -> str:
        # the first of the keys that was actually set somewhere; else "defaults"
        for n in names:
            item = raw[tuple(n.split("."))]  # type: ignore[index]
            if item.origin != "default":
                return item.where
        return "defaults"

    def v(name: str) -> Any:
        return values[tuple(name.split("."))]  # type: ignore[index]

    # --- microsoft: credentials
    cert, thumb = "microsoft.certificate_path", "microsoft.certificate_thumbprint"
    if have(cert, thumb) and bool(v(cert)) != bool(v(thumb)):
        missing, present = (thumb, cert) if v(cert) else (cert, thumb)
        errors.append(
            f"{where(present)}: [microsoft] {present.split('.')[1]} is set but "
            f"{missing.split('.')[1]} is not. Set both (the PEM file and its SHA-1 thumbprint) "
            "or neither."
        )
    names = ("microsoft.tenant_id", "microsoft.client_id", cert, thumb)
    if have(*names):
        tenant, client = v("microsoft.tenant_id"), v("microsoft.client_id")
        secret = bool(v("microsoft.client_secret"))
        has_cert = bool(v(cert))
        if tenant:
            if not client:
                errors.append(
                    f"{where('microsoft.client_id', 'microsoft.tenant_id')}: [microsoft] "
                    "client_id is not set, but tenant_id is (so onetoone would talk to a real "
                    "tenant). Set client_id to the app registration's Application (client) ID, "
                    "or clear tenant_id to use the sandbox."
                )
            if secret and has_cert:
                errors.append(
                    f"{where(cert)}: [microsoft] certificate_path is set and so is "
                    f"{ENV_SECRET}. Use one credential: unset the secret or remove the "
                    "certificate settings."
                )
            elif not secret and not has_cert and v(thumb) == "":
                errors.append(
                    f"{where('microsoft.tenant_id')}: [microsoft] tenant_id is set but there is "
                    f"no credential. Set the environment variable {ENV_SECRET}, or set "
                    "certificate_path and certificate_thumbprint."
                )
        elif client or secret or has_cert:
            what = [
                name
                for name, present in (
                    ("client_id", client),
                    (ENV_SECRET, secret),
                    ("certificate_path", has_cert),
                )
                if present
            ]
            errors.append(
                f"{where('microsoft.client_id', 'microsoft.client_secret', cert)}: [microsoft] "
                f"tenant_id is empty (sandbox mode) but {', '.join(what)} "
                f"{'is' if len(what) == 1 else 'are'} set, so they would be silently ignored. "
                "Set tenant_id to your tenant, or remove them to use the sandbox."
            )

    # --- policy: the window must hold a meeting
    if have("policy.window_start", "policy.window_end"):
        start, end = v("policy.window_start"), v("policy.window_end")
        span = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        if span <= 0:
            errors.append(
                f"{where('policy.window_end', 'policy.window_start')}: [policy] window_start = "
                f'"{start:%H:%M}" is not before window_end = "{end:%H:%M}". Make the window '
                "start earlier than it ends (same day, 24-hour clock)."
            )
        elif have("policy.minutes") and span < v("policy.minutes"):
            errors.append(
                f"{where('policy.minutes', 'policy.window_end', 'policy.window_start')}: "
                f"[policy] minutes = {v('policy.minutes')} does not fit in the window "
                f"{start:%H:%M}-{end:%H:%M}. Widen window_start/window_end or shorten minutes."
            )

    # --- holidays: the region belongs to the country
    if have("holidays.country", "holidays.subdivision") and v("holidays.subdivision"):
        country, sub = v("holidays.country"), v("holidays.subdivision")
        _c, _s, problem = _holiday_code(f"{country}-{sub}")
        if problem:
            errors.append(
                f"{where('holidays.subdivision', 'holidays.country')}: [holidays] subdivision "
                f'= "{sub}" {problem.problem}. {problem.fix} (or change country = "{country}"); '
                'subdivision = "" means national holidays only.'
            )

    # --- pairs: the file and the source agree
    if have("pairs.source", "pairs.file"):
        source, file = v("pairs.source"), v("pairs.file")
        if source in ("file", "both") and file is None:
            errors.append(
                f'{where("pairs.source")}: [pairs] file is not set, but source = "{source}" '
                'needs it. Set file to the pairs CSV, or set source = "directory".'
            )
        elif source == "directory" and file is not None:
            errors.append(
                f'{where("pairs.file")}: [pairs] file is set, but source = "directory" so it '
                'would be ignored. Set source = "file" or "both", or remove file.'
            )
    return errors


# --------------------------------------------------------------------------------------------
# Showing settings: describe, the example file, --help
# --------------------------------------------------------------------------------------------


def describe(settings: Settings) -> list[tuple[str, str, str]]:
    """Rows of (``section.key``, value, origin) for ``doctor``/``config show``; no secrets."""
    rows: list[tuple[str, str, str]] = []
    origins = dict(settings.origins)
    for k in KEYS:
        value = getattr(getattr(settings, k.section), k.key)
        origin = origins.get(k.name, "default")
        if k.secret:
            shown = "set" if value else "not set"
        elif k.name == "database.url":
            shown = settings.database.safe_url
        else:
            shown = _plain(value)
        if k.name in ("microsoft.authority", "microsoft.graph_url") and origin == "default":
            origin = f"default for cloud {settings.microsoft.cloud}"
        rows.append((k.name, shown, origin))
    return rows


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, CadenceKind):
        return value.value
    if isinstance(value, tuple):
        return ", ".join(
            f"{item[0]}={_plain(item[1])}" if isinstance(item, tuple) else _plain(item)
            for item in value
        )
    return str(value)


_EXAMPLE_HEADER = f"""\
# onetoone configuration.
#
# Every key is shown with its default; uncomment a line to change it.
# Each key can also be set in the environment as ONETOONE_<SECTION>_<KEY>, which wins over
# this file, e.g. ONETOONE_POLICY_MINUTES=45 (lists: comma-separated; true/false for switches).
# The client secret is read ONLY from {ENV_SECRET}.
# Relative paths in this file are relative to this file's folder.
#
# Generated from KEYS in service/config.py (`onetoone init` writes the same text).

"""


def render_example(*, commented: bool = True) -> str:
    """The annotated config file: every key, its help, its environment variable and default.

    ``commented=False`` writes the values as live lines (the tests load that to prove every
    default round-trips through the parser).
    """
    lead = "# " if commented else ""
    out: list[str] = [_EXAMPLE_HEADER]
    for section in SECTIONS:
        out.append(f"[{section}]\n")
        tables: list[Key] = []
        for k in KEYS:
            if k.section != section:
                continue
            if k.type == "table":
                tables.append(k)
                continue
            out.append(_help_comment(k))
            if k.env_only:
                out.append(f"# (not a file setting: set {k.env} in the environment)\n\n")
            else:
                out.append(f"{lead}{k.key} = {_show(k.default)}\n\n")
        for k in tables:
            out.append(f"[{k.section}.{k.key}]\n")
            out.append(_help_comment(k))
            name_ex, value_ex = k.example if k.example[0] else (_GUID_EXAMPLE, "weekly")
            out.append(f'# "{name_ex}" = "{value_ex}"\n\n')
    return "".join(out).rstrip("\n") + "\n"


def _help_comment(k: Key) -> str:
    text = k.help
    if k.minimum is not None and k.maximum is not None:
        text += f" Range {k.minimum}..{k.maximum}."
    if k.type == "list":
        text += f" Environment: {k.env} (comma-separated)."
    elif k.type == "table" and k.example[0]:
        text += f" Environment: {k.env}={k.example[0]}={k.example[1]},<name>=<code>."
    elif k.type == "table":
        text += f" Environment: {k.env}=<guid>=weekly,<guid>=monthly."
    elif not k.env_only:
        text += f" Environment: {k.env}."
    return "".join(f"# {line}\n" for line in textwrap.wrap(text, width=94, break_on_hyphens=False))


STARTER_CONFIG: str = render_example()


def env_help() -> str:
    """The environment variables and what they set, for ``onetoone --help``."""
    lines = [
        "Settings come from the config file (--config, $ONETOONE_CONFIG or ./onetoone.toml)",
        "and these environment variables, which win over the file:",
        "",
    ]
    width = max(len(k.env) for k in KEYS)
    for k in KEYS:
        default = "(none)" if k.secret else _show(k.default)
        lines.append(f"  {k.env:<{width}}  [{k.section}] {k.key} (default {default})")
    lines.append(f"  {ENV_CONFIG:<{width}}  path of the config file")
    return "\n".join(lines)
