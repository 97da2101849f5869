"""The sandbox finds a user by address without scanning every user (its ids are derived
from the address a user was added with), and still by the scan once an address changed."""

from __future__ import annotations

from datetime import UTC, datetime

from service.sandbox import SandboxTenant


def _tenant() -> SandboxTenant:
    tenant = SandboxTenant(seed="find", now=lambda: datetime(2026, 1, 5, tzinfo=UTC))
    for n in range(50):
        tenant.add_user(f"Person {n}", f"Person{n}@find.example")
    return tenant


def test_an_address_is_found_without_a_scan_in_any_case() -> None:
    tenant = _tenant()
    users = tenant.state["users"]

    class NoScan(dict):  # type: ignore[type-arg]
        def values(self):  # type: ignore[no-untyped-def]
            raise AssertionError("scanned every user")

    tenant.state["users"] = NoScan(users)
    assert tenant.find_user("PERSON7@find.example")["displayName"] == "Person 7"
    assert tenant.find_user("person7@FIND.example")["displayName"] == "Person 7"


def test_a_changed_address_a_plus_address_and_a_stranger() -> None:
    tenant = _tenant()
    user = tenant.find_user("person3@find.example")
    assert user is not None
    user["mail"] = user["userPrincipalName"] = "renamed@find.example"
    # Exchange keeps the old primary address as an alias, which still reaches the mailbox.
    assert tenant.find_user("person3@find.example") is user
    user["proxyAddresses"] = ["SMTP:renamed@find.example"]
    assert tenant.find_user("person3@find.example") is None  # its old address is no one's
    assert tenant.find_user("Renamed@find.example") is user  # the scan finds the new one
    assert tenant.find_user("person4+topics.x@find.example")["displayName"] == "Person 4"
    assert tenant.find_user("nobody@elsewhere.example") is None
