"""Turn Graph and msal failures into errors that tell an admin what to fix."""

from __future__ import annotations

import json
import re
from collections.abc import Set as AbstractSet
from typing import Any

from service.domain.consent import lacks_consent, mailbox_roles
from service.domain.text import clean_text
from service.errors import (
    AuthError,
    GraphError,
    NotConsented,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    Throttled,
)

# Which application permission a kind of request needs, for the "what to grant" hint.
_PERMISSIONS = (
    (re.compile(r"/sendMail$", re.I), "Mail.Send"),
    (re.compile(r"/mailboxSettings", re.I), "MailboxSettings.Read"),
    (re.compile(r"/(calendar|events|calendarView)", re.I), "Calendars.ReadWrite"),
    (re.compile(r"/(messages|mailFolders)", re.I), "Mail.ReadWrite"),
    # Group members (transitiveMembers for [pairs] group_id and per-group settings).
    (re.compile(r"/groups/", re.I), "GroupMember.Read.All"),
    (re.compile(r"/(users|groups)", re.I), "User.Read.All"),
)

CONSENT_HINT = (
    "In the Entra admin center open App registrations > onetoone > API permissions, add the "
    "Microsoft Graph application permission {perm} and click 'Grant admin consent'."
)


def permission_for(path: str, method: str = "GET") -> str:
    """The Graph application permission the request at ``path`` needs."""
    if method.upper() == "GET" and re.search(r"/(messages|mailFolders)", path, re.I):
        # Only the service mailbox's ([mail] topics_mailbox) Inbox is read, and its mail is
        # then marked read (PATCH, Mail.ReadWrite): naming Mail.Read for it would have the
        # admin grant that, and every mail would be read again on every run. Managers' Sent
        # Items need only Mail.Read.
        if re.search(r"/mailFolders/inbox/", path, re.I):
            return "Mail.ReadWrite"
        return "Mail.Read"
    for pattern, perm in _PERMISSIONS:
        if pattern.search(path):
            return perm
    return "User.Read.All"


def parse_error_body(body: bytes | str | None) -> tuple[str, str]:
    """(code, message) from Graph's ``{"error": {"code", "message"}}`` body, tolerant of junk.

    Both are cleaned as all outside text is (domain/text.py): a message quotes what Graph
    refused, and JSON (or a proxy's page) may carry a NUL or half of an emoji, which the
    error's text takes into the database (a mail's ``last_error``) and the logs."""
    if not body:
        return "", ""
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        text = body.decode(errors="replace") if isinstance(body, bytes) else str(body)
        return "", clean_text(text[:200])[0]
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return (clean_text(str(error.get("code") or ""))[0],
                clean_text(str(error.get("message") or ""))[0])
    return "", ""


# Graph's 404 codes for a mailbox that is not there (the user deleted, or left without an
# Exchange Online mailbox, or one REST cannot reach, e.g. moved on-premises in a hybrid
# organisation: Microsoft documents both MailboxNotEnabledForRESTAPI and
# MailboxNotSupportedForRESTAPI for that; ErrorNonExistentMailbox, in Graph's known issues,
# for a mailbox Exchange cannot find, at times only for a while), as opposed to
# ErrorItemNotFound for an item that is gone. Taking one of these for "the item is gone"
# would record meetings as deleted.
MAILBOX_GONE_CODES = frozenset({"ErrorInvalidUser", "ErrorNonExistentMailbox",
                                "MailboxNotEnabledForRESTAPI", "MailboxNotSupportedForRESTAPI",
                                "ResourceNotFound"})


def _throttle_hint(mailbox: str, said: str) -> str:
    """What to look at when Graph keeps throttling: Exchange limits each app per mailbox (4
    requests at once, 10,000 in 10 minutes), so for a mailbox the app-wide max_in_flight is
    beside the point; and a limit reached though onetoone keeps within it is another
    program's doing (another app, or a second copy of onetoone with this registration)."""
    if not mailbox:
        return "If this persists, lower [microsoft] max_in_flight."
    if "concurrency" in said.lower():
        return ("If this persists, lower [microsoft] max_in_flight_per_mailbox: another app "
                "(or another copy of onetoone with this app registration) may be using this "
                "mailbox at the same time.")
    return ("Another app (or another copy of onetoone with this app registration) may be "
            "using this mailbox heavily; if this persists, lower [microsoft] "
            "max_in_flight_per_mailbox.")


def translate(
    *,
    status: int,
    code: str,
    message: str,
    method: str,
    path: str,
    mailbox: str = "",
    retry_after: float | None = None,
    roles: AbstractSet[str] | None = None,
) -> GraphError:
    """The most specific ServiceError for a failed Graph response. ``roles``: the
    permissions in the app's token, when known (they tell a consent missing for every
    mailbox from one mailbox refused: domain/consent.py)."""
    where = f"mailbox {mailbox}" if mailbox else "the directory"
    detail = f"{method} {path} -> {status} {code}: {message}".strip()
    kw: dict[str, Any] = {"status": status, "code": code, "mailbox": mailbox,
                          "retry_after": retry_after}
    if status == 401:
        return AuthError(
            "Microsoft Graph rejected the app's token (401). Check [microsoft] tenant_id and "
            "client_id, and that ONETOONE_MICROSOFT_CLIENT_SECRET (or the certificate) belongs "
            f"to that app registration and has not expired. ({detail})",
            **kw,
        )
    if status == 403:
        text = f"{code} {message}".lower()
        # Graph's documented body for an access-policy block is ErrorAccessDenied "Access to
        # OData is disabled." (auth-limit-mailbox-access, "Handling API errors"); Exchange
        # may add "[RAOP] : ... AccessPolicy settings".
        if ("accesspolicy" in text.replace(" ", "") or "raop" in text or "rbac" in text
                or "access to odata is disabled" in text):
            return PermissionDenied(
                f"Exchange blocked the app from {where}: an application access policy (or "
                "Exchange RBAC for Applications scope) does not include it. Add the mailbox to "
                "the mail-enabled security group or management scope the app is limited to "
                f"(see README, 'Scoping mailbox access'), or remove it from the pairs. ({detail})",
                **kw,
            )
        perm = permission_for(path, method)
        if lacks_consent(roles, perm):
            return NotConsented(
                f"The app's token carries no {perm} permission, though it carries other "
                f"mailbox permissions consented in Entra ID ({', '.join(mailbox_roles(roles))}"
                f"): Graph refuses this for every mailbox, not only {where}. "
                f"{CONSENT_HINT.format(perm=perm)} The worker's token carries it within the "
                f"hour after that (or restart the worker). ({detail})",
                permission=perm, **kw,
            )
        scope_hint = (
            f" If {perm} is granted through Exchange RBAC for Applications or an application "
            f"access policy, {where} may be outside the app's management scope: add it to the "
            "scope's group (see README, 'Scoping mailbox access') or remove the pair."
            if mailbox else ""
        )
        return PermissionDenied(
            f"The app is not allowed to {method} {path} for {where}: it lacks the {perm} "
            f"permission or admin consent. {CONSENT_HINT.format(perm=perm)}{scope_hint} "
            f"({detail})",
            **kw,
        )
    if status == 404:
        if code in MAILBOX_GONE_CODES and mailbox:
            return NotFound(
                f"{where} was not found or has no Exchange Online mailbox. Check the address, "
                f"or license the user for Exchange Online. ({detail})",
                **kw,
            )
        return NotFound(f"Not found: {detail}", **kw)
    if status == 429:
        wait = f" Graph asked to wait {retry_after:g} s." if retry_after is not None else ""
        return Throttled(
            f"Microsoft Graph is throttling {where} (429).{wait} The work is left for the next "
            f"run. {_throttle_hint(mailbox, f'{code} {message}')} ({detail})",
            **kw,
        )
    if status >= 500 or status == 0:
        return OutcomeUnknown(
            f"Microsoft Graph failed ({status}) on {method} {path} for {where}; the request may "
            f"or may not have taken effect. ({detail})",
            **kw,
        )
    return GraphError(f"Microsoft Graph refused the request: {detail}", **kw)


# The worker reads the secret once, when it starts: a secret put right in its environment
# goes unread until it is started again (and Compose's `restart` keeps the old environment).
RESTART_WORKER = (
    " Then restart the worker, which reads the secret when it starts: `systemctl restart "
    "onetoone`, `docker compose up -d --force-recreate worker` (not `restart`: it keeps the old "
    "environment) or `kubectl rollout restart deployment/onetoone`."
)

# msal/AAD error codes we can explain. The number is the AADSTS code in error_codes.
_AADSTS_HINTS = {
    7000215: "the client secret is wrong. Copy the secret's *Value* (not its ID) into "
    "ONETOONE_MICROSOFT_CLIENT_SECRET." + RESTART_WORKER,
    7000222: "the client secret has expired. Create a new one under Certificates & secrets and "
    "update ONETOONE_MICROSOFT_CLIENT_SECRET." + RESTART_WORKER,
    700016: "no app with this client_id exists in the tenant. Check [microsoft] client_id and "
    "tenant_id.",
    90002: "the tenant was not found. Check [microsoft] tenant_id (a GUID or a verified domain) "
    "and [microsoft] cloud.",
    700027: "the certificate assertion was rejected. Upload the certificate's public key to the "
    "app registration and check certificate_thumbprint.",
    7000112: "the application is disabled in the tenant. An admin must enable it.",
    65001: "admin consent has not been granted. Grant admin consent for the app's permissions.",
}


# Answers no retry changes until an admin acts: the secret expired or wrong, no such app.
# (Not the tenant or certificate ones: a tenant just made, or a certificate just uploaded,
# is not known everywhere at once.)
PERMANENT_AADSTS = frozenset({7000215, 7000222, 700016})


def translate_msal(result: dict) -> AuthError:
    """An AuthError from msal's error dict, never including secrets (msal doesn't echo them)."""
    codes = result.get("error_codes") or []
    for code in codes:
        if code in _AADSTS_HINTS:
            error = AuthError(
                f"Sign-in to Microsoft Entra failed (AADSTS{code}): {_AADSTS_HINTS[code]}",
                code=str(result.get("error") or ""),
            )
            error.permanent = code in PERMANENT_AADSTS
            return error
    description = str(result.get("error_description") or "").split("\r\n")[0]
    return AuthError(
        f"Sign-in to Microsoft Entra failed: {result.get('error', 'unknown error')}: "
        f"{description} Check [microsoft] tenant_id, client_id, cloud/authority and the secret "
        "or certificate.",
        code=str(result.get("error") or ""),
    )
