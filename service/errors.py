"""The one error root. Every error a user can see is a ServiceError whose message says what to do.

Lower-level errors (msal, Graph, SQLAlchemy, TOML) are translated at the adapter that met them
and chained with ``raise ... from exc`` so the cause stays visible with ``--verbose``.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Something went wrong; the message says what and how to fix it."""


class ConfigError(ServiceError):
    """The configuration (file or ONETOONE_* environment) is invalid."""


class PairsFileError(ServiceError):
    """The pairs CSV file has a line that cannot be used."""


class TooManyEnds(PairsFileError):
    """A pairs sync would end more pairs than [pairs] max_ends allows: refused whole, as a
    bad pairs file is (the source is most likely wrong: a truncated file, the wrong group)."""


class StoreError(ServiceError):
    """The database cannot be reached or is not at the expected schema version."""


class Sealed(StoreError):
    """A meeting's notes were erased (``forget``, retention) while a read of it was under
    way: what the read found is not stored."""


class GraphError(ServiceError):
    """Microsoft Graph refused or failed a request.

    ``status`` is the HTTP status (0 when no response arrived), ``code`` Graph's error code,
    ``mailbox`` the mailbox the request was about, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        code: str = "",
        mailbox: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.mailbox = mailbox
        self.retry_after = retry_after


class AuthError(GraphError):
    """The app could not get a token: wrong secret/certificate, tenant or client id.

    ``permanent``: Entra's answer cannot change until an admin acts (a client secret
    expired or wrong, no such app): no later run signs in by itself."""

    permanent = False


class PermissionDenied(GraphError):
    """The app lacks a permission or admin consent, or an access policy blocks a mailbox."""


class NotConsented(PermissionDenied):
    """The app's token lacks the mailbox permission a request needs while it carries others
    (consented in Entra ID, see domain/consent.py): refused for every mailbox, not only the
    one asked, until an admin grants consent. ``permission``: the one missing."""

    def __init__(self, message: str, *, permission: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.permission = permission


class Throttled(GraphError):
    """Graph throttled the mailbox or tenant and retries ran out."""


class NotFound(GraphError):
    """The user, mailbox or event does not exist (or no longer exists)."""


class OutcomeUnknown(GraphError):
    """A non-idempotent request may or may not have taken effect (timeout, 5xx)."""


class Superseded(ServiceError):
    """A write was not sent: the claim it was made under was lost before the request left
    (another worker took the row over while this one was held up), so that worker's write
    is the one that goes."""


class Unreachable(GraphError):
    """No connection to Microsoft Graph could be made (network, DNS, proxy): the request was
    never sent, so it had no effect, whatever it was."""
