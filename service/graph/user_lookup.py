"""Where Graph finds one user: by id or user principal name, or by one of their addresses."""

from __future__ import annotations

from urllib.parse import quote

from service.graph.wire import USER_FIELDS

_USER_QUERY = f"$select={USER_FIELDS}&$expand=manager($select=id)"


def user_url(key: str) -> str:
    """GET one user by id or user principal name (not by another address: Graph answers
    404), with their manager's id."""
    return "/users/" + quote(key, safe="@.") + "?" + _USER_QUERY


def alias_url(address: str) -> str:
    """GET the users with ``address`` among their SMTP addresses: ``proxyAddresses``, where
    "SMTP:" marks the primary address and "smtp:" an alias, compared ignoring case (a
    default $filter on users, with any())."""
    wanted = ("smtp:" + address).replace("'", "''")  # OData doubles a quote in a literal
    clause = f"proxyAddresses/any(x:x eq '{wanted}')"
    return "/users?$filter=" + quote(clause, safe="/:@'()") + "&" + _USER_QUERY
