"""Which Graph application permissions the app holds by admin consent in Entra ID, read from
the ``roles`` claim of its access token.

A tenant grants the mailbox permissions either by consent in Entra ID (they are then in
the token) or through Exchange RBAC for Applications (never in the token). The guide says
not to mix the two for mailbox permissions (docs/admin/mailbox-access.md: Microsoft takes
the union, so an Entra grant undoes the scoping), and only directory permissions can't go
through Exchange. So a token carrying *some* mailbox permission but not the one a request
needs is a consent missing for every mailbox, not one mailbox outside a scope; a token
carrying none (the scoped set-up: only User.Read.All and GroupMember.Read.All in Entra)
says nothing about mailboxes, and Graph's 403 for one is that mailbox's.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

# The permissions Exchange RBAC for Applications can grant: mailbox data.
MAILBOX_ROLES = frozenset({
    "Calendars.Read", "Calendars.ReadBasic", "Calendars.ReadWrite",
    "Contacts.Read", "Contacts.ReadWrite",
    "Mail.Read", "Mail.ReadBasic", "Mail.ReadBasic.All", "Mail.ReadWrite", "Mail.Send",
    "MailboxSettings.Read", "MailboxSettings.ReadWrite",
})

# A wider permission that includes a narrower one: consent for it is consent enough.
_INCLUDED_IN = {
    "MailboxSettings.Read": frozenset({"MailboxSettings.ReadWrite"}),
    "Mail.Read": frozenset({"Mail.ReadWrite"}),
    "Calendars.Read": frozenset({"Calendars.ReadWrite"}),
}


def holds(roles: AbstractSet[str], permission: str) -> bool:
    """Whether ``roles`` grant ``permission`` (itself, or a wider one that includes it)."""
    return permission in roles or bool(roles & _INCLUDED_IN.get(permission, frozenset()))


def mailbox_roles(roles: AbstractSet[str] | None) -> list[str]:
    """The mailbox permissions among a token's ``roles``, sorted (none for an unread one)."""
    return sorted((roles or set()) & MAILBOX_ROLES)


def lacks_consent(roles: AbstractSet[str] | None, permission: str) -> bool:
    """Whether a refusal of a request needing ``permission`` is the app's consent, for every
    mailbox: the token carries other mailbox permissions (consented in Entra ID) but not
    this one. False when the token's roles are unknown (the sandbox's token, an opaque one),
    when it carries no mailbox permission (granted through Exchange RBAC for Applications,
    or no consent at all), or for a directory permission."""
    return (roles is not None and permission in MAILBOX_ROLES
            and bool(mailbox_roles(roles)) and not holds(roles, permission))
