"""Whose public holidays are another country's: each person's mailbox time zone against the
country of the holidays they get ([holidays] country, or their group's or own override).

Pure: the IANA zone table (tzdata's ``zone1970.tab`` and ``zone.tab``, read at the edge) is
passed in. Only the country is compared: a zone says nothing of a region (Edinburgh is on
Europe/London like Exeter). A zone several countries share matches any of them, as does a
zone a Windows name became (see ``windows_zones``); UTC and Etc/ zones match nothing and
are left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from service.domain.timezones import to_iana, to_windows, windows_zones

HOLIDAYS_DOCS = "docs/how-it-decides.md#absences-and-public-holidays"
FIX = f"Set [holidays.groups] or [holidays.people] for them ({HOLIDAYS_DOCS})"
SHOWN_ZONES = 3


def zone_table(texts: Iterable[str]) -> dict[str, frozenset[str]]:
    """IANA zone -> the ISO 3166 countries it is used in, from the text of tzdata's tables
    (``zone1970.tab``'s comma-separated countries, ``zone.tab``'s one; both merged)."""
    table: dict[str, set[str]] = {}
    for text in texts:
        for line in text.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) >= 3:
                table.setdefault(fields[2].strip(), set()).update(
                    c.strip().upper() for c in fields[0].split(",") if c.strip())
    return {zone: frozenset(countries) for zone, countries in table.items()}


def zone_countries(zone: str, table: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """The countries a person whose mailbox is in ``zone`` may be in; empty when it tells
    nothing (UTC, Etc/GMT+11, a zone the table lacks)."""
    if zone not in table:  # an old spelling (Asia/Calcutta): as its Windows zone's
        try:
            zone = to_iana(to_windows(zone))
        except ValueError:
            return frozenset()
    countries = set(table.get(zone, frozenset()))
    for other in windows_zones(zone):
        countries |= table.get(other, frozenset())
    return frozenset(countries)


@dataclass(frozen=True)
class OutsideZones:
    """People who get ``code``'s holidays while their mailbox is in another country."""

    code: str  # "GB-ENG"
    zones: tuple[tuple[str, int], ...]  # (zone, people), most people first

    @property
    def people(self) -> int:
        return sum(n for _zone, n in self.zones)

    @property
    def country(self) -> str:
        return self.code.partition("-")[0]

    def words(self) -> str:
        shown = ", ".join(f"{zone}: {n}" for zone, n in self.zones[:SHOWN_ZONES])
        more = "e.g. " if len(self.zones) > SHOWN_ZONES else ""
        if self.people == 1:
            return (f"1 person's mailbox is in a time zone outside {self.country} ({shown}) "
                    f"and gets {self.code}'s holidays")
        return (f"{self.people} people's mailboxes are in time zones outside {self.country} "
                f"({more}{shown}) and get {self.code}'s holidays")


def outside_zones(people: Iterable[tuple[str, str | None]],
                  table: Mapping[str, frozenset[str]]) -> list[OutsideZones]:
    """Of ``people`` (each one's holiday code, "GB-ENG" or "US", and stored mailbox zone,
    None if not read yet), those whose zone is in none of their holidays' country, per code,
    the most people first."""
    by_code: dict[str, Counter[str]] = {}
    for code, zone in people:
        if not zone or not code:
            continue
        countries = zone_countries(zone, table)
        if countries and code.partition("-")[0].upper() not in countries:
            by_code.setdefault(code, Counter())[zone] += 1
    found = [OutsideZones(code, tuple(sorted(zones.items(), key=lambda z: (-z[1], z[0]))))
             for code, zones in by_code.items()]
    return sorted(found, key=lambda o: (-o.people, o.code))
