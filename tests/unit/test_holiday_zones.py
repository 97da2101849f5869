"""Which people get another country's public holidays, judged by their mailbox's time zone
against tzdata's zone -> country tables (pure; the tables' text is passed in)."""

from __future__ import annotations

from service.domain.holiday_zones import OutsideZones, outside_zones, zone_countries, zone_table
from service.store.files import zone_tables

# The tables' own layout: zone1970.tab lists every country a zone serves, zone.tab one.
ZONE1970 = """# tzdb timezone descriptions
#country-
#codes\tcoordinates\tTZ\tcomments
AU\t-3352+15113\tAustralia/Sydney\tNew South Wales (most areas)
DE,DK,NO,SE,SJ\t+5230+01322\tEurope/Berlin\tmost of Germany
BE,LU,NL\t+5050+00420\tEurope/Brussels
GB,GG,IM,JE\t+513030-0000731\tEurope/London
IE\t+5320-00615\tEurope/Dublin
IN\t+2232+08822\tAsia/Kolkata
US\t+211825-1575130\tPacific/Honolulu\tHawaii
"""
ZONE = "NL\t+5222+00454\tEurope/Amsterdam\nIT\t+4154+01229\tEurope/Rome\n"
TABLE = zone_table([ZONE1970, ZONE])


def test_the_tables_give_each_zone_its_countries() -> None:
    assert TABLE["Europe/London"] == {"GB", "GG", "IM", "JE"}
    assert TABLE["Europe/Amsterdam"] == {"NL"}
    assert "#codes" not in str(TABLE)
    # The tables tzdata ships read the same way.
    shipped = zone_table(zone_tables())
    assert "GB" in shipped["Europe/London"] and shipped["Asia/Kolkata"] == {"IN"}


def test_a_zone_a_windows_name_became_matches_every_country_of_that_name() -> None:
    # "W. Europe Standard Time" is stored as Europe/Berlin for Amsterdam and Rome too.
    assert {"DE", "NL", "IT"} <= zone_countries("Europe/Berlin", TABLE)
    # An old spelling the tables lack counts as its zone's.
    assert zone_countries("Asia/Calcutta", TABLE) == {"IN"}
    # A zone named as such (no Windows name becomes it) is only its own countries.
    assert zone_countries("Europe/Dublin", TABLE) == {"IE"}
    # UTC and Etc/ zones tell nothing.
    assert zone_countries("Etc/UTC", TABLE) == frozenset()
    assert zone_countries("Etc/GMT+11", TABLE) == frozenset()


def test_people_outside_their_holidays_country_are_counted_per_code_and_zone() -> None:
    people = [("GB-ENG", "Asia/Kolkata")] * 3 + [
        ("GB-ENG", "Pacific/Honolulu"), ("GB-ENG", "Europe/London"), ("GB-ENG", "Etc/UTC"),
        ("GB-ENG", None), ("NL", "Europe/Berlin"), ("IE", "Europe/Dublin"),
        ("US-NY", "Europe/Dublin")]
    found = outside_zones(people, TABLE)
    assert found == [OutsideZones("GB-ENG", (("Asia/Kolkata", 3), ("Pacific/Honolulu", 1))),
                     OutsideZones("US-NY", (("Europe/Dublin", 1),))]
    assert found[0].words() == (
        "4 people's mailboxes are in time zones outside GB (Asia/Kolkata: 3, "
        "Pacific/Honolulu: 1) and get GB-ENG's holidays")
    assert found[1].words() == ("1 person's mailbox is in a time zone outside US "
                                "(Europe/Dublin: 1) and gets US-NY's holidays")
    assert outside_zones([("GB", "Europe/London"), ("DE-BY", "Europe/Berlin")], TABLE) == []


def test_many_zones_are_shown_as_examples() -> None:
    many = OutsideZones("GB-ENG", (("Asia/Kolkata", 3), ("Australia/Sydney", 2),
                                   ("Pacific/Honolulu", 1), ("Europe/Dublin", 1)))
    assert "(e.g. Asia/Kolkata: 3, Australia/Sydney: 2, Pacific/Honolulu: 1)" in many.words()
    assert many.people == 7
