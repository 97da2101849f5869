"""What the roles in the app's token say about a refusal (domain/consent.py): a consent
missing for every mailbox only when the token carries other mailbox permissions, never in
the scoped set-up (mailbox permissions granted through Exchange RBAC for Applications, so
absent from the token) nor when the roles can't be read."""

from __future__ import annotations

from service.domain.consent import holds, lacks_consent
from service.graph.auth import token_roles
from tests.support.entra import app_token


def test_mail_send_missing_beside_other_mailbox_permissions_is_a_consent_missing() -> None:
    """Calendars.ReadWrite in the token, Mail.Send not: every sendMail is refused."""
    assert lacks_consent({"User.Read.All", "Calendars.ReadWrite"}, "Mail.Send")
    assert not lacks_consent({"Calendars.ReadWrite", "Mail.Send"}, "Mail.Send")


def test_scoped_set_up_unknown_roles_and_directory_permissions_are_not() -> None:
    """Only directory permissions in the token (the scoped set-up), no roles at all, an
    unreadable token, or a directory permission: a refusal is not read as consent."""
    assert not lacks_consent({"User.Read.All", "GroupMember.Read.All"}, "Mail.Send")
    assert not lacks_consent(frozenset(), "Mail.Send")
    assert not lacks_consent(None, "Mail.Send")
    assert not lacks_consent({"Calendars.ReadWrite"}, "User.Read.All")


def test_a_wider_permission_includes_the_narrower() -> None:
    """MailboxSettings.ReadWrite consented is MailboxSettings.Read consented."""
    assert holds({"MailboxSettings.ReadWrite"}, "MailboxSettings.Read")
    assert not lacks_consent({"MailboxSettings.ReadWrite", "Mail.Send"},
                             "MailboxSettings.Read")


def test_roles_are_read_from_the_token_as_entra_issues_it() -> None:
    """The roles claim of an app-only token; none when nothing is consented (Entra leaves
    the claim out); None for a token that is no JWT."""
    assert token_roles(app_token(["Mail.Send", "User.Read.All"])) == {"Mail.Send",
                                                                       "User.Read.All"}
    assert token_roles(app_token([])) == frozenset()
    assert token_roles("opaque") is None
