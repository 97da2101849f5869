"""Windows <-> IANA time-zone names (pure).

Exchange and Graph speak Windows zone names ("GMT Standard Time") in mailboxSettings,
workingHours and event start/end, but accept and sometimes return IANA names too. The table
is Unicode CLDR's ``windowsZones.xml`` (territory "001", the zone each Windows name stands
for), with current IANA spellings (Asia/Kolkata rather than CLDR's Asia/Calcutta); CLDR's
older spellings and the other cities CLDR maps to each Windows zone are accepted by
:func:`to_windows`.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Windows name -> IANA zone (CLDR windowsZones, territory 001).
WINDOWS_TO_IANA: dict[str, str] = {
    "Dateline Standard Time": "Etc/GMT+12",
    "UTC-11": "Etc/GMT+11",
    "Aleutian Standard Time": "America/Adak",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "Marquesas Standard Time": "Pacific/Marquesas",
    "Alaskan Standard Time": "America/Anchorage",
    "UTC-09": "Etc/GMT+9",
    "Pacific Standard Time (Mexico)": "America/Tijuana",
    "UTC-08": "Etc/GMT+8",
    "Pacific Standard Time": "America/Los_Angeles",
    "US Mountain Standard Time": "America/Phoenix",
    "Mountain Standard Time (Mexico)": "America/Mazatlan",
    "Mountain Standard Time": "America/Denver",
    "Yukon Standard Time": "America/Whitehorse",
    "Central America Standard Time": "America/Guatemala",
    "Central Standard Time": "America/Chicago",
    "Easter Island Standard Time": "Pacific/Easter",
    "Central Standard Time (Mexico)": "America/Mexico_City",
    "Canada Central Standard Time": "America/Regina",
    "SA Pacific Standard Time": "America/Bogota",
    "Eastern Standard Time (Mexico)": "America/Cancun",
    "Eastern Standard Time": "America/New_York",
    "Haiti Standard Time": "America/Port-au-Prince",
    "Cuba Standard Time": "America/Havana",
    "US Eastern Standard Time": "America/Indiana/Indianapolis",
    "Turks And Caicos Standard Time": "America/Grand_Turk",
    "Paraguay Standard Time": "America/Asuncion",
    "Atlantic Standard Time": "America/Halifax",
    "Venezuela Standard Time": "America/Caracas",
    "Central Brazilian Standard Time": "America/Cuiaba",
    "SA Western Standard Time": "America/La_Paz",
    "Pacific SA Standard Time": "America/Santiago",
    "Newfoundland Standard Time": "America/St_Johns",
    "Tocantins Standard Time": "America/Araguaina",
    "E. South America Standard Time": "America/Sao_Paulo",
    "SA Eastern Standard Time": "America/Cayenne",
    "Argentina Standard Time": "America/Argentina/Buenos_Aires",
    "Greenland Standard Time": "America/Nuuk",
    "Montevideo Standard Time": "America/Montevideo",
    "Magallanes Standard Time": "America/Punta_Arenas",
    "Saint Pierre Standard Time": "America/Miquelon",
    "Bahia Standard Time": "America/Bahia",
    "UTC-02": "Etc/GMT+2",
    "Azores Standard Time": "Atlantic/Azores",
    "Cape Verde Standard Time": "Atlantic/Cape_Verde",
    "UTC": "Etc/UTC",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "Sao Tome Standard Time": "Africa/Sao_Tome",
    "Morocco Standard Time": "Africa/Casablanca",
    "W. Europe Standard Time": "Europe/Berlin",
    "Central Europe Standard Time": "Europe/Budapest",
    "Romance Standard Time": "Europe/Paris",
    "Central European Standard Time": "Europe/Warsaw",
    "W. Central Africa Standard Time": "Africa/Lagos",
    "Jordan Standard Time": "Asia/Amman",
    "GTB Standard Time": "Europe/Bucharest",
    "Middle East Standard Time": "Asia/Beirut",
    "Egypt Standard Time": "Africa/Cairo",
    "E. Europe Standard Time": "Europe/Chisinau",
    "Syria Standard Time": "Asia/Damascus",
    "West Bank Standard Time": "Asia/Hebron",
    "South Africa Standard Time": "Africa/Johannesburg",
    "FLE Standard Time": "Europe/Kyiv",
    "Israel Standard Time": "Asia/Jerusalem",
    "South Sudan Standard Time": "Africa/Juba",
    "Kaliningrad Standard Time": "Europe/Kaliningrad",
    "Sudan Standard Time": "Africa/Khartoum",
    "Libya Standard Time": "Africa/Tripoli",
    "Namibia Standard Time": "Africa/Windhoek",
    "Arabic Standard Time": "Asia/Baghdad",
    "Turkey Standard Time": "Europe/Istanbul",
    "Arab Standard Time": "Asia/Riyadh",
    "Belarus Standard Time": "Europe/Minsk",
    "Russian Standard Time": "Europe/Moscow",
    "E. Africa Standard Time": "Africa/Nairobi",
    "Volgograd Standard Time": "Europe/Volgograd",
    "Iran Standard Time": "Asia/Tehran",
    "Arabian Standard Time": "Asia/Dubai",
    "Astrakhan Standard Time": "Europe/Astrakhan",
    "Azerbaijan Standard Time": "Asia/Baku",
    "Russia Time Zone 3": "Europe/Samara",
    "Mauritius Standard Time": "Indian/Mauritius",
    "Saratov Standard Time": "Europe/Saratov",
    "Georgian Standard Time": "Asia/Tbilisi",
    "Caucasus Standard Time": "Asia/Yerevan",
    "Afghanistan Standard Time": "Asia/Kabul",
    "West Asia Standard Time": "Asia/Tashkent",
    "Ekaterinburg Standard Time": "Asia/Yekaterinburg",
    "Pakistan Standard Time": "Asia/Karachi",
    "Qyzylorda Standard Time": "Asia/Qyzylorda",
    "India Standard Time": "Asia/Kolkata",
    "Sri Lanka Standard Time": "Asia/Colombo",
    "Nepal Standard Time": "Asia/Kathmandu",
    "Central Asia Standard Time": "Asia/Bishkek",
    "Bangladesh Standard Time": "Asia/Dhaka",
    "Omsk Standard Time": "Asia/Omsk",
    "Myanmar Standard Time": "Asia/Yangon",
    "SE Asia Standard Time": "Asia/Bangkok",
    "Altai Standard Time": "Asia/Barnaul",
    "W. Mongolia Standard Time": "Asia/Hovd",
    "North Asia Standard Time": "Asia/Krasnoyarsk",
    "N. Central Asia Standard Time": "Asia/Novosibirsk",
    "Tomsk Standard Time": "Asia/Tomsk",
    "China Standard Time": "Asia/Shanghai",
    "North Asia East Standard Time": "Asia/Irkutsk",
    "Singapore Standard Time": "Asia/Singapore",
    "W. Australia Standard Time": "Australia/Perth",
    "Taipei Standard Time": "Asia/Taipei",
    "Ulaanbaatar Standard Time": "Asia/Ulaanbaatar",
    "Aus Central W. Standard Time": "Australia/Eucla",
    "Transbaikal Standard Time": "Asia/Chita",
    "Tokyo Standard Time": "Asia/Tokyo",
    "North Korea Standard Time": "Asia/Pyongyang",
    "Korea Standard Time": "Asia/Seoul",
    "Yakutsk Standard Time": "Asia/Yakutsk",
    "Cen. Australia Standard Time": "Australia/Adelaide",
    "AUS Central Standard Time": "Australia/Darwin",
    "E. Australia Standard Time": "Australia/Brisbane",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "West Pacific Standard Time": "Pacific/Port_Moresby",
    "Tasmania Standard Time": "Australia/Hobart",
    "Vladivostok Standard Time": "Asia/Vladivostok",
    "Lord Howe Standard Time": "Australia/Lord_Howe",
    "Bougainville Standard Time": "Pacific/Bougainville",
    "Russia Time Zone 10": "Asia/Srednekolymsk",
    "Magadan Standard Time": "Asia/Magadan",
    "Norfolk Standard Time": "Pacific/Norfolk",
    "Sakhalin Standard Time": "Asia/Sakhalin",
    "Central Pacific Standard Time": "Pacific/Guadalcanal",
    "Russia Time Zone 11": "Asia/Kamchatka",
    "New Zealand Standard Time": "Pacific/Auckland",
    "UTC+12": "Etc/GMT-12",
    "Fiji Standard Time": "Pacific/Fiji",
    "Chatham Islands Standard Time": "Pacific/Chatham",
    "UTC+13": "Etc/GMT-13",
    "Tonga Standard Time": "Pacific/Tongatapu",
    "Samoa Standard Time": "Pacific/Apia",
    "Line Islands Standard Time": "Pacific/Kiritimati",
}

# Other IANA zones CLDR maps to a Windows zone (per-territory entries and old spellings).
_MORE_IANA: dict[str, tuple[str, ...]] = {
    "UTC": ("UTC", "Etc/GMT", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "GMT", "Zulu",
            "Universal"),
    "GMT Standard Time": ("Europe/Dublin", "Europe/Lisbon", "Europe/Guernsey",
                          "Europe/Isle_of_Man", "Europe/Jersey", "Atlantic/Canary",
                          "Atlantic/Faroe", "Atlantic/Madeira", "Europe/Belfast"),
    "Greenwich Standard Time": ("Africa/Abidjan", "Africa/Accra", "Africa/Dakar",
                                "Atlantic/St_Helena"),
    "W. Europe Standard Time": ("Europe/Amsterdam", "Europe/Rome", "Europe/Stockholm",
                                "Europe/Vienna", "Europe/Zurich", "Europe/Oslo",
                                "Europe/Luxembourg", "Europe/Monaco", "Europe/Malta",
                                "Europe/Andorra", "Europe/Vaduz", "Europe/San_Marino",
                                "Europe/Vatican", "Europe/Gibraltar", "Europe/Busingen",
                                "Arctic/Longyearbyen"),
    "Romance Standard Time": ("Europe/Brussels", "Europe/Copenhagen", "Europe/Madrid",
                              "Africa/Ceuta"),
    "Central Europe Standard Time": ("Europe/Prague", "Europe/Belgrade", "Europe/Bratislava",
                                     "Europe/Ljubljana", "Europe/Podgorica",
                                     "Europe/Tirane"),
    "Central European Standard Time": ("Europe/Zagreb", "Europe/Sarajevo", "Europe/Skopje"),
    "FLE Standard Time": ("Europe/Kiev", "Europe/Helsinki", "Europe/Riga", "Europe/Tallinn",
                          "Europe/Vilnius", "Europe/Sofia", "Europe/Mariehamn",
                          "Europe/Uzhgorod", "Europe/Zaporozhye"),
    "GTB Standard Time": ("Europe/Athens", "Asia/Nicosia", "Asia/Famagusta"),
    "Eastern Standard Time": ("America/Toronto", "America/Detroit", "America/Nassau",
                              "America/Montreal", "America/Indiana/Petersburg",
                              "America/Kentucky/Louisville", "America/Louisville", "US/Eastern",
                              "EST5EDT"),
    "US Eastern Standard Time": ("America/Indianapolis", "America/Indiana/Marengo",
                                 "America/Indiana/Vevay"),
    "Central Standard Time": ("America/Winnipeg", "America/Indiana/Knox",
                              "America/Menominee", "America/North_Dakota/Center",
                              "US/Central", "CST6CDT"),
    "Mountain Standard Time": ("America/Edmonton", "America/Boise", "America/Ciudad_Juarez",
                               "US/Mountain", "MST7MDT"),
    "US Mountain Standard Time": ("America/Hermosillo", "America/Creston",
                                  "America/Dawson_Creek", "America/Fort_Nelson", "MST"),
    "Pacific Standard Time": ("America/Vancouver", "US/Pacific", "PST8PDT"),
    "Alaskan Standard Time": ("America/Juneau", "America/Nome", "America/Sitka",
                              "America/Yakutat", "US/Alaska"),
    "Hawaiian Standard Time": ("US/Hawaii", "Pacific/Rarotonga", "Pacific/Tahiti"),
    "Atlantic Standard Time": ("America/Glace_Bay", "America/Goose_Bay", "America/Moncton",
                               "America/Thule", "Atlantic/Bermuda"),
    "SA Pacific Standard Time": ("America/Lima", "America/Panama", "America/Jamaica",
                                 "America/Guayaquil", "America/Cayman"),
    "SA Western Standard Time": ("America/Puerto_Rico", "America/Santo_Domingo",
                                 "America/Barbados", "America/Manaus",
                                 "America/Port_of_Spain"),
    "Argentina Standard Time": ("America/Buenos_Aires", "America/Argentina/Cordoba",
                                "America/Cordoba"),
    "Greenland Standard Time": ("America/Godthab",),
    "Central Standard Time (Mexico)": ("America/Monterrey", "America/Merida",
                                       "America/Bahia_Banderas"),
    "Central America Standard Time": ("America/Costa_Rica", "America/El_Salvador",
                                      "America/Tegucigalpa", "America/Managua",
                                      "America/Belize"),
    "India Standard Time": ("Asia/Calcutta",),
    "Nepal Standard Time": ("Asia/Katmandu",),
    "Myanmar Standard Time": ("Asia/Rangoon",),
    "China Standard Time": ("Asia/Hong_Kong", "Asia/Macau", "Asia/Chongqing", "PRC"),
    "Singapore Standard Time": ("Asia/Kuala_Lumpur", "Asia/Manila", "Asia/Makassar",
                                "Asia/Brunei"),
    "SE Asia Standard Time": ("Asia/Jakarta", "Asia/Ho_Chi_Minh", "Asia/Saigon",
                              "Asia/Phnom_Penh", "Asia/Vientiane", "Asia/Pontianak"),
    "Tokyo Standard Time": ("Japan", "Asia/Dili", "Pacific/Palau"),
    "Korea Standard Time": ("ROK",),
    "Arabian Standard Time": ("Asia/Muscat",),
    "Arab Standard Time": ("Asia/Qatar", "Asia/Kuwait", "Asia/Bahrain", "Asia/Aden"),
    "Pakistan Standard Time": (),
    "West Asia Standard Time": ("Asia/Samarkand", "Asia/Dushanbe", "Asia/Ashgabat",
                                "Asia/Aqtau", "Asia/Aqtobe", "Asia/Atyrau", "Asia/Oral"),
    "Central Asia Standard Time": ("Asia/Almaty", "Asia/Qostanay", "Asia/Urumqi"),
    "AUS Eastern Standard Time": ("Australia/Melbourne", "Australia/Canberra",
                                  "Australia/ACT", "Australia/NSW", "Australia/Victoria"),
    "E. Australia Standard Time": ("Australia/Lindeman", "Australia/Queensland"),
    "Cen. Australia Standard Time": ("Australia/Broken_Hill", "Australia/South"),
    "W. Australia Standard Time": ("Australia/West",),
    "New Zealand Standard Time": ("Antarctica/McMurdo", "NZ"),
    "South Africa Standard Time": ("Africa/Maputo", "Africa/Harare", "Africa/Lusaka",
                                   "Africa/Gaborone", "Africa/Kigali", "Africa/Blantyre"),
    "E. Africa Standard Time": ("Africa/Addis_Ababa", "Africa/Dar_es_Salaam",
                                "Africa/Kampala", "Africa/Mogadishu", "Africa/Djibouti",
                                "Indian/Antananarivo"),
    "W. Central Africa Standard Time": ("Africa/Algiers", "Africa/Tunis", "Africa/Douala",
                                        "Africa/Kinshasa", "Africa/Luanda"),
    "Morocco Standard Time": ("Africa/El_Aaiun",),
    "Israel Standard Time": ("Asia/Tel_Aviv", "Israel"),
    "Turkey Standard Time": ("Asia/Istanbul", "Turkey"),
    "Egypt Standard Time": ("Egypt",),
    "Russian Standard Time": ("Europe/Simferopol", "Europe/Kirov", "W-SU"),
}

# Graph's own non-IANA, non-Windows spellings seen in event payloads.
_GRAPH_ALIASES = {
    "tzone://microsoft/utc": "UTC",
    "coordinated universal time": "UTC",
    "greenwich mean time": "Europe/London",
}

_WINDOWS_BY_LOWER = {name.lower(): name for name in WINDOWS_TO_IANA}


@lru_cache(maxsize=1024)
def _iana_exists(name: str) -> bool:
    # Refuse path-like names before zoneinfo touches the file system.
    if not name or name.startswith(("/", ".")) or ".." in name or "\\" in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _build_reverse() -> dict[str, str]:
    reverse = {iana.lower(): win for win, iana in WINDOWS_TO_IANA.items()}
    for win, zones in _MORE_IANA.items():
        for iana in zones:
            reverse.setdefault(iana.lower(), win)
    reverse["etc/utc"] = "UTC"
    return reverse


IANA_TO_WINDOWS: dict[str, str] = _build_reverse()


def to_iana(name: str) -> str:
    """The IANA zone for a Windows or IANA time-zone name.

    IANA names that zoneinfo knows pass through unchanged; Windows names are looked up
    case-insensitively. Raises ValueError naming the zone when it is neither.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"'{name}' is not a time zone name")
    text = name.strip()
    if _iana_exists(text):
        return text
    windows = _WINDOWS_BY_LOWER.get(text.lower())
    if windows is not None:
        return WINDOWS_TO_IANA[windows]
    alias = _GRAPH_ALIASES.get(text.lower())
    if alias is not None:
        return alias
    raise ValueError(
        f"'{name}' is not a known time zone: use an IANA name such as 'Europe/London' or a "
        "Windows name such as 'GMT Standard Time'"
    )


def to_windows(iana: str) -> str:
    """The Windows zone name Exchange uses for an IANA zone (a Windows name is returned as is).

    Raises ValueError naming the zone when there is no Windows equivalent.
    """
    if not isinstance(iana, str) or not iana.strip():
        raise ValueError(f"'{iana}' is not a time zone name")
    text = iana.strip()
    windows = _WINDOWS_BY_LOWER.get(text.lower())
    if windows is not None:
        return windows
    found = IANA_TO_WINDOWS.get(text.lower())
    if found is not None:
        return found
    raise ValueError(f"'{iana}' has no Windows time-zone equivalent in the CLDR mapping")


def is_valid_zone(name: str) -> bool:
    """Whether ``name`` is a Windows or IANA zone this service can use."""
    try:
        to_iana(name)
    except ValueError:
        return False
    return True


def local_date(moment: datetime, zone: str | None) -> date:
    """The day ``moment`` falls on in ``zone`` (an IANA name; None: UTC's). A meeting's
    date is written in its series' zone: a Sydney 10:00 is the day before in UTC."""
    return moment.astimezone(ZoneInfo(zone)).date() if zone else moment.date()


def local_minute(moment: datetime, zone: str) -> str:
    """``moment`` as its day and time in ``zone`` (an IANA name), the zone named: a line an
    admin reads gives a meeting where its series is, as ``status`` does."""
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} {zone}"


def windows_zones(iana: str) -> tuple[str, ...]:
    """When ``iana`` is the zone a Windows name becomes (``to_iana``: "W. Europe Standard
    Time" is stored as Europe/Berlin, for Amsterdam and Rome too), every IANA zone that name
    stands for; () for any other zone. Who is where can be told no finer than that."""
    text = iana.strip().lower()
    return tuple(dict.fromkeys(z for w, zone in WINDOWS_TO_IANA.items() if zone.lower() == text
                               for z in (zone, *_MORE_IANA.get(w, ()))))
