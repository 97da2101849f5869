"""Settings: a TOML file plus ``ONETOONE_<SECTION>_<KEY>`` environment variables, parsed once.

One table, :data:`KEYS`, drives everything: parsing and validation, the environment variable
names, ``config.example.toml`` / ``onetoone init`` (:func:`render_example`), ``--help`` text
(:func:`env_help`) and ``onetoone config show`` (:func:`describe`).

The package, by job (import from here; the modules are its layout, not its interface):

- :mod:`~service.config.keys` — the key table;
- :mod:`~service.config.settings` — the typed, frozen settings (:class:`Settings`);
- :mod:`~service.config.load` — reading the file and the environment, ``file:line`` errors;
- :mod:`~service.config.checks`, :mod:`~service.config.holiday_codes` and
  :mod:`~service.config.cross_checks` — the checks of one value and of several together;
- :mod:`~service.config.show` — ``onetoone config`` rows, the example file, ``--help``.
"""

from __future__ import annotations

from service.config.keys import (
    CADENCES,
    CLOUD_AUTHORITIES,
    CLOUD_GRAPH_URLS,
    DEFAULT_FILE,
    ENV_CONFIG,
    ENV_IGNORED_PREFIXES,
    ENV_PREFIX,
    ENV_SECRET,
    KEYS,
    SECTIONS,
    Key,
    get_key,
)
from service.config.load import default_settings, load_config
from service.config.settings import (
    AgendaSettings,
    DatabaseSettings,
    HolidaySettings,
    MailSettings,
    MicrosoftSettings,
    PairsSettings,
    PolicySettings,
    Settings,
    WorkerSettings,
)
from service.config.show import STARTER_CONFIG, describe, env_help, render_example

__all__ = [
    "CADENCES",
    "CLOUD_AUTHORITIES",
    "CLOUD_GRAPH_URLS",
    "DEFAULT_FILE",
    "ENV_CONFIG",
    "ENV_IGNORED_PREFIXES",
    "ENV_PREFIX",
    "ENV_SECRET",
    "KEYS",
    "SECTIONS",
    "STARTER_CONFIG",
    "AgendaSettings",
    "DatabaseSettings",
    "HolidaySettings",
    "Key",
    "MailSettings",
    "MicrosoftSettings",
    "PairsSettings",
    "PolicySettings",
    "Settings",
    "WorkerSettings",
    "default_settings",
    "describe",
    "env_help",
    "get_key",
    "load_config",
    "render_example",
]
