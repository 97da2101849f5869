"""The key table: every setting's section, name, type, default, limits and help.

:data:`KEYS` drives everything else in this package: parsing, the environment variable names,
the example file, ``--help`` and ``onetoone config``. A new setting is one new row here, a
field on its settings dataclass and, if it needs more than a type or range, a check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from service.domain.model import CadenceKind

DEFAULT_FILE = "onetoone.toml"
# Where deploy/ (the systemd unit, the Compose file and the images) keeps the service's file.
DEPLOYED_FILE = "/etc/onetoone/onetoone.toml"
ENV_PREFIX = "ONETOONE_"
ENV_CONFIG = "ONETOONE_CONFIG"
ENV_SECRET = "ONETOONE_MICROSOFT_CLIENT_SECRET"
ENV_IGNORED_PREFIXES = ("ONETOONE_TEST_",)
# What Kubernetes sets in every pod of a namespace holding a Service named onetoone (say, to
# scrape /metrics): ONETOONE_SERVICE_HOST, ONETOONE_SERVICE_PORT[_<port name>], ONETOONE_PORT
# and ONETOONE_PORT_<n>_<protocol>[_PROTO|_PORT|_ADDR]. No section is named service or port.
ENV_SERVICE_LINKS = re.compile(
    r"ONETOONE_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_[0-9]+_(TCP|UDP|SCTP)"
    r"(_(PROTO|PORT|ADDR))?)?)")

# With no tenant, the sandbox tenant starts as the demo organisation (service/sandbox/org.py),
# whose New York office an admin would give New York's holidays: left on the GB-ENG default,
# the demo moved their 1-2-1s off England's bank holidays and doctor warned of the product's
# own example. Set for the sandbox only, and only while no [holidays] override is set.
SANDBOX_HOLIDAY_PEOPLE: tuple[tuple[str, str], ...] = tuple(
    (f"{name}@contoso.example", "US-NY")
    for name in ("marcus.johnson", "olivia.chen", "jamal.wright", "grace.miller", "ryan.brooks"))

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
GUID_EXAMPLE = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Key:
    """One setting: where it lives, its type and default, and the one-line help shown to admins.

    ``type`` is one of ``str``, ``int``, ``bool``, ``list`` (of strings), ``table`` (a
    ``[section.key]`` sub-table of string -> string) or ``auto`` (the text "auto", read as
    None, or a whole number from 0). ``choices`` and ``minimum``/``maximum`` are
    checked generically; anything more specific lives in :mod:`service.config.checks`.
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
    Key("microsoft", "tenant_id", "str", "",
        "Directory (tenant) ID (a GUID) or a verified domain such as contoso.onmicrosoft.com. "
        "Empty: use the built-in sandbox tenant (a local file; nothing touches Microsoft)."),
    Key("microsoft", "client_id", "str", "",
        "Application (client) ID of the Entra app registration (a GUID). "
        "Required when tenant_id is set."),
    Key("microsoft", "client_secret", "str", "",
        "Client secret of the app registration. Only ever from the environment variable "
        f"{ENV_SECRET}; never write it in this file. Use either it or a certificate.",
        secret=True, env_only=True),
    Key("microsoft", "cloud", "str", "global",
        "Microsoft cloud: global, usgov (GCC High), usgov-dod (DoD) or china (21Vianet). "
        "Chooses the default authority and graph_url.",
        choices=("global", "usgov", "usgov-dod", "china")),
    Key("microsoft", "authority", "str", "",
        "Login host, e.g. https://login.microsoftonline.com (no tenant in it). "
        "Empty: the cloud's default."),
    Key("microsoft", "graph_url", "str", "",
        "Microsoft Graph base URL ending in /v1.0 or /beta, without a trailing slash. "
        "Empty: the cloud's default."),
    Key("microsoft", "certificate_path", "str", "",
        "PEM file with the app's private key and certificate (instead of a client secret). "
        "Set together with certificate_thumbprint."),
    Key("microsoft", "certificate_thumbprint", "str", "",
        "SHA-1 thumbprint of that certificate: 40 hex characters, as the Entra admin centre "
        "shows it."),
    Key("microsoft", "sandbox_state", "str", "onetoone-sandbox.json",
        "File where the sandbox tenant keeps its users and calendars (sandbox mode only)."),
    Key("microsoft", "max_in_flight_per_mailbox", "int", 4,
        "Graph requests in flight at once per mailbox (Exchange allows 4).",
        minimum=1, maximum=4),
    Key("microsoft", "max_in_flight", "int", 16,
        "Graph requests in flight at once in total.",
        minimum=1, maximum=64),
    Key("microsoft", "timeout_seconds", "int", 30,
        "Seconds to wait for one Graph response.",
        minimum=1, maximum=300),
    Key("microsoft", "max_retries", "int", 4,
        "Retries of a throttled or failed idempotent Graph request.",
        minimum=0, maximum=10),
    # [database]
    Key("database", "url", "str", "sqlite:///onetoone.db",
        "SQLAlchemy URL: sqlite:///path.db (default, zero set-up) or "
        "postgresql+psycopg://user:password@host/db (production, several workers). "
        "Put the password in ONETOONE_DATABASE_URL rather than in this file."),
    # [policy]
    Key("policy", "minutes", "int", 30,
        "Length of a 1-2-1 in minutes (the guidance: about 30, 30-45).",
        minimum=15, maximum=120),
    Key("policy", "new_starter_days", "int", 90,
        "A report hired this many days ago or fewer is a new starter. Also how long "
        "someone whose last report left keeps the manager cadence (a vacancy).",
        minimum=0, maximum=365),
    Key("policy", "new_starter_cadence", "str", "weekly",
        "Cadence for new starters: weekly, fortnightly or monthly.",
        choices=CADENCES),
    Key("policy", "manager_cadence", "str", "fortnightly",
        "Cadence for reports who manage others (the guidance: at least fortnightly).",
        choices=CADENCES),
    Key("policy", "default_cadence", "str", "monthly",
        "Cadence for everyone else (the guidance: at least monthly).",
        choices=CADENCES),
    Key("policy", "months_ahead", "int", 6,
        "Keep each series booked this many months ahead (the guidance: at least six).",
        minimum=1, maximum=12),
    Key("policy", "extend_months", "int", 3,
        "Headroom: each series runs months_ahead + this many months from its first meeting,"
        " and its follow-on series is booked once fewer than months_ahead are left.",
        minimum=1, maximum=6),
    Key("policy", "window_start", "str", "09:30",
        "Earliest start of a 1-2-1, HH:MM in each person's own time zone."),
    Key("policy", "window_end", "str", "16:30",
        "Latest end of a 1-2-1, HH:MM in each person's own time zone."),
    Key("policy", "weekdays", "list", ["monday", "tuesday", "wednesday", "thursday", "friday"],
        "Days a 1-2-1 may fall on (names)."),
    Key("policy", "free_busy_weeks", "int", 6,
        "Weeks of both calendars checked when choosing a slot.",
        minimum=1, maximum=8),
    Key("policy", "step_minutes", "int", 30,
        "Candidate start times are this many minutes apart: 15, 30 or 60.",
        choices=(15, 30, 60)),
    Key("policy", "teams_meeting", "bool", True,
        "Make each 1-2-1 a Teams meeting (true) or in person only (false)."),
    Key("policy", "own_series", "str", "adopt",
        "A recurring meeting the manager already holds with only the report (made in Outlook "
        "before onetoone came): adopt (onetoone writes its agendas into it and keeps its time; "
        "one the report organises, or that repeats in a way onetoone cannot follow, is left "
        "alone and the pair not booked) or ignore (book onetoone's own series beside it).",
        choices=("adopt", "ignore")),
    Key("policy", "subject", "str", "1-2-1: {manager} & {report}",
        "Subject of the series; may use {manager} and {report} (display names)."),
    Key("policy", "sensitivity", "str", "private",
        "Sensitivity of the 1-2-1s onetoone creates: private (people who share the manager's "
        "calendar, delegates included unless allowed private items, see only the time) or "
        "normal. A series created before switches when it is next extended; a manager's own "
        "series onetoone adopts is made private when it is adopted.",
        choices=("private", "normal")),
    Key("policy", "time_zone", "str", "Europe/London",
        "Time zone used when a mailbox has none: an IANA name (Europe/London) or a Windows "
        "name (GMT Standard Time)."),
    Key("policy", "groups", "table", {},
        "Per-group cadence: Entra group id (GUID) = cadence, to meet more often (extra "
        "support, a new team). The first listed group a report belongs to counts; it only "
        "raises the cadence above: a member whose role (new starter, manager of others) "
        "meets more often keeps that, and `onetoone pairs` says so."),
    # [pairs]
    Key("pairs", "source", "str", "directory",
        "Where pairs come from: directory (each user's manager in Entra), file (the CSV "
        "below) or both (the file adds to and overrides the directory).",
        choices=("directory", "file", "both")),
    Key("pairs", "group_id", "str", "",
        "Only pair members of this Entra group (GUID). Empty: all enabled member users."),
    Key("pairs", "file", "str", "",
        "Pairs CSV (manager,report[,cadence,minutes]); required when source is file or both."),
    Key("pairs", "exclude", "list", [],
        "People never paired, as manager or report: each by email address (primary, alias or "
        "user principal name) or directory object id, ignoring case."),
    Key("pairs", "max_ends", "auto", "auto",
        "Most pairs one sync may end (leavers, pairs no longer listed, a mover's old pair): a "
        "sync that would end more changes nothing and fails, as a bad pairs file does, until "
        "the source is fixed or `onetoone schedule --allow-ends N` allows that many once. "
        "\"auto\": a fifth of the pairs, at least 10, and of those no longer listed while both "
        "people are still here, at most half; a whole number: that many; 0: no limit."),
    # [agenda]
    Key("agenda", "lead_working_days", "int", 2,
        "Working days before each 1-2-1 that its agenda is written into the invite.",
        minimum=1, maximum=10),
    Key("agenda", "extra_updates", "int", 1,
        "Further agenda updates allowed per meeting when a new topic arrives (each sends the "
        "report a meeting update).",
        minimum=0, maximum=5),
    Key("agenda", "grace_minutes", "int", 30,
        "Minutes after a 1-2-1 ends before its notes and actions are read back.",
        minimum=0, maximum=1440),
    Key("agenda", "recapture_days", "int", 7,
        "Days after a 1-2-1 during which later edits to its notes are still picked up (its last "
        "re-read may wait up to two days more for a calendar read to vouch for it).",
        minimum=0, maximum=60),
    Key("agenda", "development_every", "int", 3,
        "Every Nth meeting always covers learning and development.",
        minimum=1, maximum=12),
    Key("agenda", "development_max_days", "int", 60,
        "Development is also covered when it has not been for this many days.",
        minimum=7, maximum=365),
    Key("agenda", "in_person_every", "int", 4,
        "Every Nth meeting of a pair that meets on Teams, the agenda suggests meeting face to "
        "face (in the office, over a coffee or on a walk). 0: never.",
        minimum=0, maximum=12),
    Key("agenda", "actions_shown", "int", 12,
        "Most open actions from earlier meetings listed in an agenda: the newest. The older "
        "ones stay open, with a line saying so, and move up as the listed ones are ticked done.",
        minimum=3, maximum=200),
    Key("agenda", "layout", "str", "full",
        "full: every standing section. compact (fits 30 minutes): topics, how are you, last "
        "time's actions, one focus area in turn, the question, notes and actions.",
        choices=("full", "compact")),
    Key("agenda", "change_questions", "bool", False,
        "Ask questions about change at work (for an organisation going through change)."),
    Key("agenda", "sensitive_questions", "bool", False,
        "Allow questions about sleep, health or life outside work in the invite."),
    Key("agenda", "templates", "str", "",
        "Folder with your own agenda.html.j2 / questions.toml (empty: the built-in ones). "
        "Rendered in a sandbox; people's text is always escaped."),
    # [mail]
    Key("mail", "summaries", "bool", True,
        "Email the report a summary (notes, actions) from the manager's mailbox after each "
        "1-2-1 with notes."),
    Key("mail", "cc_manager", "bool", True, "Copy the manager on each summary."),
    Key("mail", "reminders", "bool", True,
        "Remind a manager once when no notes were recorded for a 1-2-1."),
    Key("mail", "reminder_hours", "int", 24,
        "Hours after a 1-2-1 ends before the reminder about missing notes goes.",
        minimum=1, maximum=336),
    Key("mail", "per_minute", "int", 30,
        "Most messages sent from one mailbox per minute (Exchange Online allows 30).",
        minimum=1, maximum=30),
    Key("mail", "prep_email", "bool", True,
        "A few working days before each 1-2-1, email the report \"what would you like to talk "
        "about?\"; their reply adds topics to the agenda. On when topics_mailbox is set (the "
        "replies go there); false turns it off; true without topics_mailbox sends it with "
        "replies going to the manager."),
    Key("mail", "prep_working_days", "int", 3,
        "Working days before each 1-2-1 that the prep email goes. More than [agenda] "
        "lead_working_days puts the topics replied in the first agenda; at or below it, the "
        "mail goes no earlier than the agenda, and topics replied are added by an agenda update "
        "if [agenda] extra_updates leaves one, else in the next meeting's agenda.",
        minimum=1, maximum=10),
    Key("mail", "topics_mailbox", "str", "",
        "A mailbox (e.g. onetoone@contoso.com) that reads replies: topics for the next 1-2-1 "
        "(each agenda and prep email carries the pair's plus-address), the report's comments "
        "on a summary, and the manager's private notes. Empty: off. Needs Mail.ReadWrite and "
        "Mail.Send on that one mailbox."),
    # [holidays]
    Key("holidays", "country", "str", "GB",
        "Public holidays that 1-2-1s are moved off: the country code (ISO 3166, e.g. GB, US, "
        "DE) of everyone without a group or person override below. `onetoone doctor` and "
        "`status` warn of people whose mailbox time zone is in another country."),
    Key("holidays", "subdivision", "str", "ENG",
        "Region of that country whose holidays apply (e.g. ENG, SCT, WLS, NIR for GB; NY for "
        "US). Empty: the country's national holidays only."),
    Key("holidays", "groups", "table", {},
        "Per-group holidays: Entra group id (GUID) = country or country-region code. The first "
        "listed group a person belongs to wins over the default above.",
        example=(GUID_EXAMPLE, "GB-SCT")),
    Key("holidays", "people", "table", {},
        "Per-person holidays: email = country or country-region code. Wins over groups.",
        example=("ann@contoso.com", "US-NY")),
    # [report]
    Key("report", "min_group_size", "int", 5,
        "onetoone report: groups with fewer pairs than this are not shown on their own, so "
        "no one can be picked out of a group's figures.",
        minimum=2, maximum=100),
    # [privacy]
    Key("privacy", "retain_months", "int", 0,
        "Erase notes, topics and action texts older than this many months, once a day (rows "
        "and counts are kept, as onetoone forget does). 0: keep them.",
        minimum=0, maximum=240),
    # [worker]
    Key("worker", "interval_minutes", "int", 15,
        "How often the worker runs the due jobs.",
        minimum=1, maximum=1440),
    Key("worker", "sync_minutes", "int", 60,
        "How often the worker re-reads the directory and the pairs file.",
        minimum=1, maximum=10080),
    Key("worker", "name", "str", "",
        "Name this worker goes by in leases, with its process id and pid namespace: one of "
        "its own per replica, kept across restarts, e.g. the pod's name (up to 64 letters, "
        "digits, dots, dashes, underscores); a container restarted after a kill takes its "
        "duty back minutes after its start. Two workers given one name: one runs the jobs, "
        "the other stands by, and both say so (worker.name_clash). Empty: the host name, and a "
        "restarted container waits for its old leases to end."),
    Key("worker", "health_host", "str", "127.0.0.1",
        "Address the health endpoint listens on (0.0.0.0 in a container; :: for IPv6 and "
        "IPv4, as an IPv6-only cluster's probes need)."),
    Key("worker", "health_port", "int", 8080,
        "Port of the health endpoint; 0 turns it off.",
        minimum=0, maximum=65535),
    Key("worker", "log_format", "str", "auto",
        "Log format: json, text, or auto (text on a terminal, json otherwise).",
        choices=("auto", "json", "text")),
    Key("worker", "log_level", "str", "INFO",
        "Log level: DEBUG, INFO, WARNING or ERROR.",
        choices=("DEBUG", "INFO", "WARNING", "ERROR")),
)

SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(k.section for k in KEYS))
BY_NAME: dict[tuple[str, str], Key] = {(k.section, k.key): k for k in KEYS}
BY_ENV: dict[str, Key] = {k.env: k for k in KEYS}


def get_key(section: str, name: str) -> Key:
    """The :class:`Key` for ``[section] name`` (KeyError when there is none)."""
    return BY_NAME[(section, name)]
