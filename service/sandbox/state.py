"""The sandbox tenant's state: directory, mailboxes and mail folders, kept as plain JSON.

State is saved and loaded whole (``save``/``load``), ids are deterministic (uuid5 over a
persisted counter), and nothing is random. The handler modules read and change it; the
request plumbing (routing, ``$batch``, faults, limits) sits on top in ``routing``.
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, Self

import orjson

from service.sandbox.wire import UTC, GraphFault

STATE_VERSION = 1
DEFAULT_WORKING_HOURS: dict[str, Any] = {
    "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
    "startTime": "09:00:00.0000000",
    "endTime": "17:00:00.0000000",
}
NAMESPACE = uuid.UUID("6f1f3c55-2b1e-4c57-9a0c-3d5e2f7c8a10")


@contextmanager
def state_lock(path: str | Path) -> Iterator[None]:
    """Own the state file at ``path`` from load to save, one process at a time.

    Graph is one service that many clients change at once; a file-backed tenant is a copy
    per process, so two processes (the worker and a `onetoone` command, or a test typing
    notes "in Outlook") would each save over the other's changes. An advisory lock on a
    sibling ``.lock`` file serialises them; the kernel drops it when a holder dies, even by
    SIGKILL. Where ``fcntl`` is missing (Windows) there is no lock: run one at a time.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(target.name + ".lock"), "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_ATOMS = frozenset({str, int, float, bool, type(None)})


def json_copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars), several times faster than
    ``copy.deepcopy``, which the handlers pay on every item they answer with; anything else
    in it is deep-copied the usual way."""
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in _ATOMS else json_copy(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _ATOMS else json_copy(v) for v in value]
    if kind in _ATOMS:
        return value
    return copy.deepcopy(value)


def meeting_kind(message: dict[str, Any]) -> str | None:
    """"invite", "update" or "cancel" for meeting mail, None for other messages."""
    if message.get("meetingMessageType") == "meetingCancelled":
        return "cancel"
    if message.get("meetingMessageType") == "meetingRequest":
        return "invite" if message.get("meetingRequestType") == "newMeetingRequest" else "update"
    return None


def not_found(key: str) -> GraphFault:
    """The directory's 404 for a user, manager or group."""
    return GraphFault(404, "Request_ResourceNotFound",
                      f"Resource '{key}' does not exist or one of its queried reference-property "
                      "objects are not present.")


# Titles an admin leaves out of givenName ("Dr Samir Khan": Samir).
_TITLES = frozenset({"dr", "prof", "mr", "mrs", "ms", "mx"})


def _name_parts(name: str) -> tuple[str, str]:
    """givenName and surname as an admin would type them for a display name: "Sam Taylor"
    (Sam, Taylor), "Okafor, Ben (Sales)" (Ben, Okafor), "Dr Samir Khan" (Samir, Khan)."""
    last, comma, first = name.partition(",")
    if not comma:
        words = name.split()
        if len(words) > 2 and words[0].rstrip(".").lower() in _TITLES:
            words = words[1:]
        first, last = " ".join(words[:1]), " ".join(words[1:])
    return " ".join(first.split()[:1]), last.strip()


def has_mailbox(user: dict[str, Any]) -> bool:
    """Graph gives ``mail`` null for a user without an Exchange Online mailbox (no licence,
    or a mailbox kept on-premises): such a user is in the directory, found by id or UPN, but
    has no calendar or mail to reach."""
    return bool(user.get("mail"))


def _addresses(user: dict[str, Any]) -> tuple[str, ...]:
    """Every address that reaches the user: UPN, primary address and, as Exchange delivers
    to them, the mailbox's other SMTP addresses (an old one kept after a change of name)."""
    smtp = (p[5:] for p in user.get("proxyAddresses") or () if p[:5].lower() == "smtp:")
    return tuple(a.lower() for a in (user["userPrincipalName"], user.get("mail"), *smtp) if a)


def _encoded(state: dict[str, Any]) -> bytes:
    """The state as JSON. This runs after every change a client makes (autosave), a few
    times per tick, so orjson (a tenth of json's time on the demo's 1.5 MB); json when a
    text holds a lone surrogate, which text from outside may and orjson (strict UTF-8)
    refuses: json escapes it, and reads it back the same."""
    try:
        return orjson.dumps(state, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return json.dumps(state, sort_keys=True).encode()


class TenantState:
    """An in-memory Microsoft 365 tenant's data: users, groups, events and mail folders.

    ``now`` is the clock used for timestamps (the real clock unless replaced); ``outbound``
    logs mail to addresses outside the tenant; ``autosave`` names the file a change is saved
    to once answered (CLI mode).
    """

    def __init__(self, *, seed: str = "onetoone-sandbox", domain: str = "contoso.example",
                 now: Callable[[], datetime] | None = None) -> None:
        self.state: dict[str, Any] = {
            "version": STATE_VERSION, "seed": seed, "domain": domain, "counter": 0,
            "users": {}, "groups": {}, "events": {}, "messages": {},
        }
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self.autosave: Path | None = None  # save the state after every change (CLI mode)
        self.outbound: list[dict[str, Any]] = []  # mail to addresses outside the tenant
        self._lock = threading.RLock()
        # Parsed event times per mailbox (occurrences.calendar_index): derived from ``state``,
        # never saved, and checked against the event before each use.
        self.calendar_cache: dict[str, dict[str, Any]] = {}
        # Whether calendarView/delta gives an occurrence deleted on its own an @removed (as
        # Graph's docs show for events) or no sign but its series listed again (as people
        # found it does): see sandbox.delta.
        self.delta_removes_occurrences = False

    # -- identity -------------------------------------------------------------------------

    @property
    def tenant_id(self) -> str:
        return str(uuid.uuid5(NAMESPACE, f"tenant|{self.state['seed']}"))

    def new_id(self, kind: str) -> str:
        """A deterministic id: uuid5 over the seed and a persisted counter."""
        self.state["counter"] += 1
        raw = uuid.uuid5(NAMESPACE, f"{self.state['seed']}|{kind}|{self.state['counter']}")
        if kind == "event":
            return "AAMkAGI2" + raw.hex
        if kind == "message":
            return "AAMkAGM1" + raw.hex
        return str(raw)

    # -- building state -------------------------------------------------------------------

    def add_group(self, name: str) -> dict[str, Any]:
        """A group (by display name); returns the existing one if the name is taken."""
        for group in self.state["groups"].values():
            if group["displayName"] == name:
                return group
        group = {"id": str(uuid.uuid5(NAMESPACE, f"group|{name}")), "displayName": name}
        self.state["groups"][group["id"]] = group
        return group

    def add_user(
        self,
        name: str,
        email: str,
        *,
        manager: Any = None,
        time_zone: str = "GMT Standard Time",
        hire_date: date | str | None = None,
        working_hours: dict[str, Any] | None = None,
        enabled: bool = True,
        user_type: str = "Member",
        groups: Iterable[str] = (),
        teams: bool = True,
        department: str | None = None,
        job_title: str | None = None,
        upn: str | None = None,
        aliases: Iterable[str] = (),
        purpose: str = "user",
        given_name: str | None = None,
        surname: str | None = None,
        date_format: str = "dd/MM/yyyy",
    ) -> dict[str, Any]:
        """Add a user with a mailbox. ``groups`` are group names or ids (created if new);
        ``aliases``: other SMTP addresses of the mailbox (its ``proxyAddresses``);
        ``purpose``: what the mailbox is for (mailboxSettings' userPurpose: "shared" for a
        shared mailbox, whose account Exchange makes enabled, "room", "equipment"...).
        ``given_name``, ``surname``: givenName and surname as an admin typed them ("": not
        set, which Graph gives as null); None: as an admin would from the display name
        (``_name_parts``). ``date_format``: mailboxSettings' dateFormat, as the user chose
        it in Outlook ("M/d/yyyy" in the US); the mailbox's language follows it.

        ``working_hours`` may give ``daysOfWeek``, ``startTime``, ``endTime`` and
        ``timeZone`` (``{"name": ...}``); missing parts default to Mon-Fri 09:00-17:00 in the
        user's own zone.
        """
        user_id = str(uuid.uuid5(NAMESPACE, f"user|{email.lower()}"))
        if user_id in self.state["users"]:
            raise ValueError(f"a user with email {email} already exists")
        hours = {**copy.deepcopy(DEFAULT_WORKING_HOURS), "timeZone": {"name": time_zone},
                 **copy.deepcopy(working_hours or {})}
        first, last = _name_parts(name)
        hire = hire_date.isoformat() if isinstance(hire_date, date) else hire_date
        if hire and len(hire) > 10 and not hire.endswith("Z"):
            # As Graph gives a DateTimeOffset: in UTC, whatever offset it was written with
            # (Sydney's midnight on 2 March is 13:00Z on 1 March).
            moment = datetime.fromisoformat(hire).astimezone(UTC)
            hire = f"{moment:%Y-%m-%dT%H:%M:%S}Z"
        user: dict[str, Any] = {
            "id": user_id,
            "displayName": name,
            "givenName": (first if given_name is None else given_name) or None,
            "surname": (last if surname is None else surname) or None,
            "mail": email,
            "userPrincipalName": upn or email,
            # As Exchange keeps them: the primary address marked "SMTP:", aliases "smtp:".
            "proxyAddresses": [f"SMTP:{email}", *(f"smtp:{a}" for a in aliases)],
            "accountEnabled": enabled,
            "userType": user_type,
            "employeeHireDate": (hire if len(hire) > 10 else f"{hire}T00:00:00Z") if hire
            else None,
            "department": department,
            "jobTitle": job_title,
            "officeLocation": None,
            "manager_id": None,
            "groups": [],
            "blocked_by_policy": False,
            "mailboxSettings": {
                "archiveFolder": "",
                "timeZone": time_zone,
                "automaticRepliesSetting": {"status": "disabled", "externalAudience": "none",
                                            "internalReplyMessage": "",
                                            "externalReplyMessage": ""},
                "dateFormat": date_format,
                "timeFormat": "HH:mm",
                "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
                "userPurpose": purpose,
                "language": ({"locale": "en-US", "displayName": "English (United States)"}
                             if date_format.startswith("M") else
                             {"locale": "en-GB", "displayName": "English (United Kingdom)"}),
                "workingHours": hours,
            },
            "calendar": {
                "allowedOnlineMeetingProviders": ["teamsForBusiness"] if teams else [],
                "defaultOnlineMeetingProvider": "teamsForBusiness" if teams else "unknown",
            },
        }
        self.state["users"][user_id] = user
        for group in groups:
            gid = group if group in self.state["groups"] else self.add_group(group)["id"]
            user["groups"].append(gid)
        if manager is not None:
            self.set_manager(user, manager)
        return user

    def user(self, key: Any) -> dict[str, Any]:
        """A user by record, id, UPN or email (KeyError if absent)."""
        if isinstance(key, dict):
            key = key["id"]
        found = self.find_user(str(key))
        if found is None:
            raise KeyError(f"no sandbox user {key}")
        return found

    def find_user(self, key: str) -> dict[str, Any] | None:
        """A user by id, UPN or SMTP address (any of the mailbox's, case-insensitive), or
        None."""
        lowered = key.lower()
        users = self.state["users"]
        found = users.get(lowered) or users.get(key)
        if found is not None:
            return found
        # A user's id is derived from the address it was added with (add_user), so most
        # look-ups need no scan of every user (hours of the sandbox's own time at 100,000
        # people); a user whose address has changed since is still found by the scan.
        found = users.get(str(uuid.uuid5(NAMESPACE, f"user|{lowered}")))
        if found is not None and lowered in _addresses(found):
            return found
        for user in self.state["users"].values():
            if lowered in _addresses(user):
                return user
        local, at, domain = lowered.partition("@")
        if at and "+" in local:  # Exchange Online plus addressing: name+tag@ goes to name@
            return self.find_user(local.split("+", 1)[0] + "@" + domain)
        return None

    def set_manager(self, user: Any, manager: Any) -> None:
        """Make ``manager`` the user's manager (None removes the manager)."""
        record = self.user(user)
        record["manager_id"] = None if manager is None else self.user(manager)["id"]

    def add_alias(self, user: Any, address: str) -> None:
        """Another SMTP address on the user's mailbox, as an admin adds one in the Exchange
        admin center (an "smtp:" entry of ``proxyAddresses``: users/delta reports the
        change; mail to it reaches them)."""
        self.user(user)["proxyAddresses"].append(f"smtp:{address}")

    def convert_mailbox(self, user: Any, purpose: str) -> None:
        """Exchange's Set-Mailbox -Type (a leaver's mailbox made shared, kept for a
        colleague): mailboxSettings' userPurpose changes; the directory's user does not
        (users/delta tells nothing of it)."""
        self.user(user)["mailboxSettings"]["userPurpose"] = purpose

    def disable_user(self, user: Any) -> None:
        """Sign-in blocked (``accountEnabled`` false); the mailbox stays."""
        self.user(user)["accountEnabled"] = False

    def remove_user(self, user: Any) -> None:
        """Delete the user and their mailbox; their reports lose their manager. As in Entra
        ID, the deletion is soft: ``restore_user`` brings both back (within 30 days)."""
        record = self.user(user)
        uid = record["id"]
        del self.state["users"][uid]
        self.state.setdefault("deleted", {})[uid] = {
            "user": record, "events": self.state["events"].pop(uid, None),
            "messages": self.state["messages"].pop(uid, None)}
        self.calendar_cache.pop(uid, None)
        for other in self.state["users"].values():
            if other.get("manager_id") == uid:
                other["manager_id"] = None

    def restore_user(self, email: str) -> dict[str, Any]:
        """Undo ``remove_user``: the account comes back with its id, and its mailbox with
        everything it held when deleted (Exchange reconnects a soft-deleted mailbox to the
        restored account: the calendar as it was, nothing that happened meanwhile). Its
        reports' manager is not set again (set_manager does that)."""
        deleted = self.state.get("deleted", {})
        uid = next(k for k, v in deleted.items() if email.lower() in _addresses(v["user"]))
        gone = deleted.pop(uid)
        self.state["users"][uid] = gone["user"]
        for part in ("events", "messages"):
            if gone[part] is not None:
                self.state[part][uid] = gone[part]
        return dict(gone["user"])

    def block_mailbox(self, user: Any, blocked: bool = True) -> None:
        """Simulate an application access policy that keeps the app out of this mailbox."""
        self.user(user)["blocked_by_policy"] = blocked

    # -- inspecting state -----------------------------------------------------------------

    def events(self, mailbox: Any) -> list[dict[str, Any]]:
        """Stored events (series masters and single events) of a mailbox."""
        return list(self.state["events"].get(self.user(mailbox)["id"], {}).values())

    def folder(self, user_id: str, name: str) -> list[dict[str, Any]]:
        """A mail folder's message list (created on first use)."""
        folders = self.state["messages"].setdefault(user_id, {})
        return folders.setdefault(name, [])

    def messages(self, mailbox: Any, folder: str = "inbox") -> list[dict[str, Any]]:
        """Messages in a mailbox folder ("inbox" or "sentitems")."""
        return list(self.folder(self.user(mailbox)["id"], folder))

    def meeting_messages(self, mailbox: Any, kind: str | None = None) -> list[dict[str, Any]]:
        """Meeting mail in a mailbox's inbox; ``kind`` "invite", "update" or "cancel"."""
        out = []
        for message in self.messages(mailbox):
            message_kind = meeting_kind(message)
            if message_kind and (kind is None or message_kind == kind):
                out.append(message)
        return out

    # -- mailbox and directory lookups used by the handlers -------------------------------

    def mailbox(self, key: str) -> dict[str, Any]:
        """The user owning a mailbox, or Exchange's 404/403."""
        user = self.find_user(key)
        if user is None:
            raise GraphFault(404, "ErrorInvalidUser", f"The requested user '{key}' is invalid.")
        if not has_mailbox(user):
            raise GraphFault(404, "MailboxNotEnabledForRESTAPI", "The mailbox is either "
                             "inactive, soft-deleted, or is hosted on-premise.")
        if user.get("blocked_by_policy"):
            raise GraphFault(403, "ErrorAccessDenied", "Access to OData is disabled: [RAOP] : "
                             "Blocked by tenant configured AppOnly AccessPolicy settings.")
        return user

    def directory_user(self, key: str) -> dict[str, Any]:
        """A user by id or userPrincipalName, or the directory's 404."""
        user = self.state["users"].get(key.lower()) or self.state["users"].get(key)
        if user is None:
            user = next((u for u in self.state["users"].values()
                         if u["userPrincipalName"].lower() == key.lower()), None)
        if user is None:
            raise not_found(key)
        return user

    # -- persistence ----------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the tenant's state as JSON (atomically: a crash leaves the old file)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = target.with_name(target.name + ".tmp")
        with self._lock:
            scratch.write_bytes(_encoded(self.state))
        scratch.replace(target)

    @classmethod
    def load(cls, path: str | Path, *, now: Callable[[], datetime] | None = None
             ) -> Self:
        """A tenant from a file written by :meth:`save`."""
        state = json.loads(Path(path).read_bytes())  # UTF-8, whatever the locale
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"{path}: sandbox state version {state.get('version')} is not "
                             f"{STATE_VERSION}; delete the file to start a fresh tenant")
        tenant = cls(seed=state["seed"], domain=state.get("domain", "contoso.example"), now=now)
        tenant.state = state
        return tenant
