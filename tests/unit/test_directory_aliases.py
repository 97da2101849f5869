"""A person's other addresses, as Graph gives them (proxyAddresses, the UPN) in a users
read and in a users/delta change: the mail addresses among them, their primary one left
out, lower-cased; the same person whichever way the directory was read."""

from __future__ import annotations

from service.domain.directory import DirectoryDelta, aliases, merge_stream
from service.graph import wire

ROB = {"id": "r", "displayName": "Rob Report", "mail": "Rob@Contoso.example",
       "userPrincipalName": "rob.report@contoso.onmicrosoft.com",
       "proxyAddresses": ["SMTP:Rob@Contoso.example", "smtp:R.Report@Fabrikam.example",
                          "SIP:rob@contoso.example", "X500:/o=ExchangeLabs/cn=Recipients/rob",
                          "smtp:rob@contoso.example"]}


def test_a_users_other_addresses_are_its_smtp_aliases_and_upn() -> None:
    """"SMTP:" is the primary, "smtp:" an alias; "SIP:" and "X500:" are no mail address."""
    assert wire.user(ROB, None).aliases == ("rob.report@contoso.onmicrosoft.com",
                                            "r.report@fabrikam.example")
    assert aliases("a@x.example", "a@x.example", None) == ()
    assert aliases(None, "a@x.example", ["SMTP:a@x.example", "smtp:b@x.example"]) == (
        "b@x.example",)
    assert aliases("a@x.example", "", "smtp:b@x.example") == ()  # not a list: none


def test_a_users_delta_change_brings_the_same_aliases() -> None:
    """Kept with the stored copy (its mail addresses only), and read back from it."""
    change = wire.user_change(ROB)
    assert change.values["proxy_addresses"] == [
        "SMTP:Rob@Contoso.example", "smtp:R.Report@Fabrikam.example", "smtp:rob@contoso.example"]
    merged = merge_stream(iter(()), DirectoryDelta([change], "link", full=True))
    assert [u.aliases for u in merged.users] == [wire.user(ROB, None).aliases]
