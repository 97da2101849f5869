"""Public-holiday codes ("GB", "GB-SCT", "US-NY"): the [holidays] checks.

Codes are checked against the ``holidays`` library's list of countries and regions, which is
imported only when a code other than the default's (GB and its four nations) needs it.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable
from typing import Any

from service.config.problems import Bad, BadMany, Raw

_UK_REGIONS = ("ENG", "NIR", "SCT", "WLS")  # the default's; known without the library


@functools.lru_cache(maxsize=1)
def _holiday_countries() -> dict[str, list[str]]:
    import holidays  # imported only when needed: it adds ~0.2 s to start-up

    return {c.upper(): [str(s) for s in subs]
            for c, subs in holidays.list_supported_countries().items()}


@functools.cache
def _canonical(country: str) -> str:
    """The library's own code for a country it also knows by another name ("UK", and each
    ISO alpha-3 code: "GBR", "USA", "DEU"), its ISO alpha-2 code: "GB", "US", "DE"."""
    import holidays

    return str(holidays.country_holidays(country).country).upper()


def holiday_code(code: str) -> tuple[str, str, Bad | None]:
    """("GB", "SCT", None) for "gb-sct" (and "UK-SCT", "GBR-SCT"), or the problem with it.

    A name the library takes for a country besides its ISO alpha-2 code is taken as that
    code, not kept as written: the holidays are the same, but a mailbox's time zone is
    matched to a country by its alpha-2 code (domain/holiday_zones.py), and with "UK"
    everyone on Europe/London was said to be outside the country whose holidays they get;
    `onetoone config` shows the code in use."""
    country, _, sub = code.strip().upper().partition("-")
    if country == "GB" and (not sub or sub in _UK_REGIONS):
        return country, sub, None
    known = _holiday_countries()
    if country in known:
        country = _canonical(country)
    if country not in known:
        close = difflib.get_close_matches(country, list(known), n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]}?" if close else ""
        return country, sub, Bad("is not a country the holidays library knows",
                                 f"Use an ISO 3166 country code such as GB, US, DE or FR.{hint}")
    regions = known[country]
    if sub and sub not in {r.upper() for r in regions}:
        shown = ", ".join(regions[:40]) + (", ..." if len(regions) > 40 else "")
        return country, sub, Bad(f"is not a region of {country}",
                                 f"Use one of {shown or '(none)'}, or no region")
    return country, sub, None


def check_holiday_country(value: str, item: Raw) -> str:
    if not value:
        raise Bad("is empty", 'Set it to a country code such as "GB" or "US"')
    country, sub, problem = holiday_code(value)
    if problem:
        raise problem
    if sub:
        raise Bad("is not a country code alone",
                  'Put only the country here ("GB") and the region in subdivision ("SCT")')
    return country


def check_holiday_subdivision(value: str, item: Raw) -> str:
    if value and not re.fullmatch(r"[^\W_](?:[\w .-]{0,38}[^\W_])?", value):
        raise Bad("is not a region code", 'Use a short code such as "ENG" or "NY", or ""')
    return value.upper()


def holiday_table(label: str, key_problem: Callable[[str], Bad | None]
                  ) -> Callable[[dict[str, Any], Raw], tuple[tuple[str, str], ...]]:
    """A [holidays.<label>] table of name = "GB-SCT" codes, each entry checked."""

    def check(value: dict[str, Any], item: Raw) -> tuple[tuple[str, str], ...]:
        problems: list[Bad] = []
        out: list[tuple[str, str]] = []
        for name, code in value.items():
            where = {"label": f"[holidays.{label}] {name}", "value": code, "entry": name}
            bad = key_problem(name)
            if bad is None and (not isinstance(code, str) or not code.strip()):
                bad = Bad("is not a holiday code", 'Write it like "GB-SCT" or "US"')
            country = sub = ""
            if bad is None:
                country, sub, bad = holiday_code(str(code))
            if bad is not None:
                problems.append(Bad(bad.problem, bad.fix, **where))
                continue
            out.append((name.lower(), f"{country}-{sub}" if sub else country))
        if problems:
            raise BadMany(problems)
        return tuple(out)

    return check
