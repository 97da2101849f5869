"""The typed settings: frozen dataclasses, one per section, built once by the loader.

Consumers take a :class:`Settings` and read its sections; nothing here parses or validates
(see :mod:`service.config.load` and :mod:`service.config.checks`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from service.domain.model import WEEKDAYS, CadenceKind
from service.domain.policy import CadencePolicy, SeriesPolicy, SlotPolicy


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
        return hide_password(self.url)

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
    sensitivity: str = "private"  # "private" | "normal": Graph's event sensitivity
    own_series: str = "adopt"  # "adopt" | "ignore": see domain.own_series


@dataclass(frozen=True)
class PairsSettings:
    """Where manager-report pairs come from."""

    source: str
    group_id: str
    file: Path | None
    exclude: tuple[str, ...]
    # The most pairs one sync may end: None "auto" (see domain.mass_end), 0 no limit.
    max_ends: int | None = None

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
    layout: str = "full"  # "full" | "compact" (service/domain/agenda.py LAYOUTS)
    actions_shown: int = 12
    change_questions: bool = False
    sensitive_questions: bool = False
    in_person_every: int = 4  # 0: off


@dataclass(frozen=True)
class MailSettings:
    """Summaries and reminders sent from the manager's mailbox."""

    summaries: bool
    cc_manager: bool
    reminders: bool
    reminder_hours: int
    per_minute: int
    prep_email: bool = True
    prep_working_days: int = 3
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
class ReportSettings:
    """`onetoone report`: how small a group may be and still be shown on its own."""

    min_group_size: int = 5


@dataclass(frozen=True)
class PrivacySettings:
    """How long what people wrote is kept (0: until `onetoone forget`)."""

    retain_months: int = 0


@dataclass(frozen=True)
class WorkerSettings:
    """The long-running worker: schedule, health endpoint and logging."""

    interval_minutes: int
    sync_minutes: int
    health_host: str
    health_port: int
    log_format: str
    log_level: str
    name: str = ""  # in leases: empty for the host name (store.leases.worker_identity)


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
    report: ReportSettings = field(default_factory=ReportSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    source: str = "defaults"
    # "section.key" -> where the value came from ("default", the file, "env ONETOONE_...")
    origins: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)

    @property
    def is_sandbox(self) -> bool:
        return self.microsoft.is_sandbox

    def origin(self, name: str) -> str:
        """Where ``section.key`` came from: "default", the file path or "env VARIABLE"."""
        return dict(self.origins).get(name, "default")

    @property
    def sends_prep_mail(self) -> bool:
        """[mail] prep_email as it applies: off when set false; by default on exactly when a
        topics mailbox takes the replies; set true, on even without one."""
        if not self.mail.prep_email:
            return False
        return bool(self.mail.topics_mailbox) or self.origin("mail.prep_email") != "default"

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
            own_series=p.own_series,
        )


# Query parameters libpq (and so psycopg) reads as a password: ``?password=...`` is as valid
# a way to give it as ``user:password@``, and must be hidden the same way.
_PASSWORD_PARAMS = re.compile(r"password", re.I)  # password, sslpassword


def unencoded_at(url: str) -> bool:
    """Whether a PostgreSQL URL's password holds an "@" not percent-encoded: more than one
    "@" after the ":" that starts the password (before the query). The URL parser ends the
    password at the first and takes the rest of it for the host, the port or the database
    name, wherever the next ":" or "/" falls. (A user name may hold an "@",
    "svc@contoso.com:secret@host": that parses as written.)"""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.lower().startswith("postgres"):
        return False
    _user, colon, after = rest.partition("?")[0].partition(":")
    return bool(colon) and after.count("@") > 1


def hide_password(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages and ``onetoone config``),
    whether it is in the authority (``user:password@``) or the query (``?password=``)."""
    from sqlalchemy.engine import URL, make_url

    parsed: URL | None
    try:
        parsed = make_url(url)
    except Exception:  # not a URL at all: hide anything between "://user:" and "@"
        parsed = None
    if parsed is None or "@" in (parsed.host or "") or unencoded_at(url):
        # An "@" in the host: the password held one, not percent-encoded, and the parser
        # took the rest of it for the host name. Hide up to the last "@".
        # (A scheme mistyped, "postgresql//u:p@h": from the first ":" to the last "@".)
        hidden = (re.sub(r"(://[^:/]*:).*@", r"\1***@", url) if "://" in url
                  else re.sub(r"^([^:@]*:).*@", r"\1***@", url))
        return re.sub(r"([?&][^=&]*(?:password)[^=&]*=)[^&]*", r"\1***", hidden, flags=re.I)
    shown = parsed.render_as_string(hide_password=True)
    if not any(_PASSWORD_PARAMS.search(key) for key in parsed.query):
        return shown
    # render_as_string would percent-encode a replacement value: hide it in the text.
    return re.sub(r"([?&])([^=&]+)=([^&]*)",
                  lambda m: (f"{m[1]}{m[2]}=***" if _PASSWORD_PARAMS.search(m[2])
                             else m[0]), shown)
