"""`onetoone doctor`'s lines for the application permissions in the app's token.

Permissions consented in Entra ID are in the token; those granted through Exchange RBAC for
Applications never are (the guide's scoped set-up keeps only the directory permissions in
Entra ID). So a mailbox permission missing from the token is only fine when the token
carries no mailbox permission at all: see domain/consent.py.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from service.doctor.check import Check
from service.domain.consent import MAILBOX_ROLES, holds, mailbox_roles
from service.graph.errors import CONSENT_HINT

REQUIRED_ROLES = {
    "User.Read.All": "read users and their managers",
    "Calendars.ReadWrite": "create and update 1-2-1 series",
    "MailboxSettings.Read": "read time zones and working hours",
    "Mail.Send": "send summaries from the manager's mailbox",
}
# The mailbox permissions the mailbox checks below try on a manager's mailbox (read-only:
# sending can't be tried without sending).
PROBED = frozenset({"Calendars.ReadWrite", "MailboxSettings.Read"})


def permission_checks(roles: AbstractSet[str]) -> list[Check]:
    """One line per permission onetoone needs; one failure alone for a token with none."""
    if not roles:
        # Even the scoped set-up consents User.Read.All in Entra ID: a token carrying no
        # permission at all is consent revoked (or never given), and a line per permission
        # ticked "fine through Exchange" would hide it.
        return [Check(
            "permissions", False, "the app's token carries no application permission: "
            "admin consent was revoked or never granted",
            "Grant admin consent: in the Entra admin center open App registrations > "
            "onetoone > API permissions and click 'Grant admin consent' (User.Read.All, and "
            "the mailbox permissions unless Exchange RBAC for Applications grants them: "
            "docs/admin/entra-app-registration.md, step 3).")]
    in_entra = mailbox_roles(roles)
    out: list[Check] = []
    for role, why in REQUIRED_ROLES.items():
        name = f"permission {role}"
        if holds(roles, role):
            out.append(Check(name, True, "granted tenant-wide (admin consent)"))
        elif role not in MAILBOX_ROLES:
            # A directory permission: Exchange RBAC for Applications can't grant it.
            out.append(Check(name, False, f"not in the token (needed to {why})",
                             f"Add the Microsoft Graph application permission {role} and "
                             "grant admin consent."))
        elif in_entra:
            out.append(Check(
                name, False, f"not in the token (needed to {why}), which carries "
                f"{', '.join(in_entra)}: this app's mailbox permissions are consented in "
                "Entra ID, not granted through Exchange RBAC for Applications (the two are "
                "not mixed), so every mailbox refuses what needs it",
                f"Grant admin consent for {role}. {CONSENT_HINT.format(perm=role)}"))
        else:
            see = ("see the mailbox checks below" if role in PROBED else
                   "doctor can't try it; Test-ServicePrincipalAuthorization shows it")
            out.append(Check(name, True, f"not in the token (needed to {why}); fine if "
                             f"granted through Exchange RBAC for Applications — {see}"))
    return out
