"""Loading: read the TOML file and the ONETOONE_* environment, check every value, build Settings.

Rules:

- the environment wins over the file; both win over the defaults;
- the client secret comes only from ``ONETOONE_MICROSOFT_CLIENT_SECRET``, never from the file;
- every problem is collected and reported together, one per line, each naming where the value
  came from (``file:line`` or the environment variable), the ``[section] key``, the bad value
  and how to fix it;
- relative paths written in the file are relative to the file's folder (so a service started
  from another directory still finds them); paths from the environment or the defaults are
  relative to the working directory.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from service.config.checks import check_value, int_fix
from service.config.cross_checks import cross_checks
from service.config.keys import (
    BY_ENV,
    BY_NAME,
    CLOUD_AUTHORITIES,
    CLOUD_GRAPH_URLS,
    DEFAULT_FILE,
    ENV_CONFIG,
    ENV_IGNORED_PREFIXES,
    ENV_PREFIX,
    ENV_SERVICE_LINKS,
    GUID_EXAMPLE,
    KEYS,
    SANDBOX_HOLIDAY_PEOPLE,
    SECTIONS,
    Key,
)
from service.config.problems import Bad, BadMany, Raw
from service.config.settings import (
    AgendaSettings,
    DatabaseSettings,
    HolidaySettings,
    MailSettings,
    MicrosoftSettings,
    PairsSettings,
    PolicySettings,
    PrivacySettings,
    ReportSettings,
    Settings,
    WorkerSettings,
    hide_password,
)
from service.config.show import as_toml
from service.errors import ConfigError


def _check_given(path: Path, name: str, fix: str) -> None:
    """A config path given explicitly must be something to read: a file, or anything else
    that reads as one (``/dev/null`` for the defaults alone, ``<(...)`` from a shell), but
    not a folder or nothing."""
    if path.is_dir():
        raise ConfigError(f"{name}is a folder, not a config file. Give the file's path.")
    if not path.exists():
        raise ConfigError(f"{name}config file not found. {fix}")


def load_config(path: str | Path | None, env: Mapping[str, str] | None = None) -> Settings:
    """Read, merge and validate the settings once; raise ConfigError listing every problem.

    ``path`` None means ``$ONETOONE_CONFIG`` if set, else ``./onetoone.toml`` if it exists,
    else the defaults alone. An explicit path (or ONETOONE_CONFIG) that does not exist is an error.
    """
    env = os.environ if env is None else env
    file_path: Path | None = None
    shown: str = "defaults"
    if path is not None:
        file_path, shown = Path(path), str(path)
        _check_given(file_path, f"{shown}: ", "Fix the path, or create one with `onetoone init`.")
    elif env.get(ENV_CONFIG):
        file_path, shown = Path(env[ENV_CONFIG]), env[ENV_CONFIG]
        _check_given(file_path, f"{ENV_CONFIG}: {shown!r} ",
                     f"Fix the path in {ENV_CONFIG}, unset it, or create the file with "
                     "`onetoone init`.")
    elif Path(DEFAULT_FILE).is_file():
        file_path, shown = Path(DEFAULT_FILE), DEFAULT_FILE

    text = ""
    data: dict[str, Any] = {}
    if file_path is not None:
        try:
            text = file_path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{shown}: is not UTF-8 text ({exc.reason} at byte {exc.start}). Save it as UTF-8."
            ) from exc
        except OSError as exc:
            raise ConfigError(
                f"{shown}: cannot be read ({exc.strerror}). Check its permissions."
            ) from exc
        data = _parse_toml(text, shown)
    settings = _build(data, text, shown, file_path, env)
    return settings


def default_settings() -> Settings:
    """The settings with no file and no environment: sandbox mode, the guidance's defaults."""
    return _build({}, "", "defaults", None, {})


def _parse_toml(text: str, shown: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        if match:
            reason = message[: match.start()].strip()
            if hint := _duplicate_hint(text, int(match.group(1))):
                raise ConfigError(f"{shown}:{match.group(1)}: {hint}") from exc
            raise ConfigError(
                f"{shown}:{match.group(1)}: TOML syntax error at column {match.group(2)}: "
                f"{reason}. Fix that line (text values need double quotes: "
                'key = "value"; lists look like ["a", "b"]).'
            ) from exc
        raise ConfigError(
            f"{shown}: TOML syntax error: {message}. Fix the file "
            '(text values need double quotes: key = "value").'
        ) from exc


# A heading or key written twice is the mistake the file `onetoone init` writes invites: it
# holds every section's heading with its keys commented out, so a section pasted at the end,
# or a key uncommented and also added below, repeats one. tomllib names only the second line.
_HEADING = re.compile(r"^\s*\[\s*([^\[\]#]+?)\s*\]\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_.\- ]+?)\s*=")


def _dotted(name: str) -> str:
    return re.sub(r"\s*\.\s*", ".", name.strip())


def _duplicate_hint(text: str, lineno: int) -> str | None:
    """Where the heading or key on line ``lineno`` was first given, and what to do; None when
    that line repeats neither."""
    lines = text.splitlines()
    if not 0 < lineno <= len(lines):
        return None
    line = lines[lineno - 1]
    if heading := _HEADING.match(line):
        name = _dotted(heading.group(1))
        for number, earlier in enumerate(lines[: lineno - 1], 1):
            if (first := _HEADING.match(earlier)) and _dotted(first.group(1)) == name:
                return (f"[{name}] is already on line {number}: each section is given once. "
                        "Put these keys under that heading (uncommenting the ones written "
                        "there) and delete this one.")
        return None
    if key := _KEY.match(line):
        name = _dotted(key.group(1))
        for number in range(lineno - 1, 0, -1):
            earlier = lines[number - 1]
            if earlier.lstrip().startswith("["):
                break  # a key is repeated only within its own section
            if (first := _KEY.match(earlier)) and _dotted(first.group(1)) == name:
                return (f"{name} is already set on line {number}, in the same section. Keep "
                        "one of the two lines.")
    return None


def _build(
    data: Mapping[str, Any],
    text: str,
    shown: str,
    file_path: Path | None,
    env: Mapping[str, str],
) -> Settings:
    errors: list[str] = []
    base = file_path.resolve().parent if file_path is not None else None
    raw: dict[tuple[str, str], Raw] = {
        (k.section, k.key): Raw(k.default, "default", "defaults") for k in KEYS
    }

    # 1. the file: structure first (unknown sections and keys, the secret), then values.
    for section, table in data.items():
        if section not in SECTIONS:
            errors.append(_unknown_section(section, table, shown, text))
            continue
        if not isinstance(table, dict):
            errors.append(
                f"{_where(shown, text, None, section)}: {section} = {as_toml(table)} is not a "
                f"section. Write it as a [{section}] header followed by its keys."
            )
            continue
        for name, value in table.items():
            k = BY_NAME.get((section, name))
            where = _where(shown, text, section, name)
            if k is None:
                errors.append(_unknown_key(section, name, where))
            elif k.env_only:
                errors.append(
                    f"{where}: [{section}] {name} must not be in the config file (a file gets "
                    f"copied, committed and backed up). Delete the line and set the environment "
                    f"variable {k.env} instead; if this file was ever shared, rotate the secret."
                )
            else:
                if k.type == "table":  # a [section.key] header, not a key = value line
                    where = _where(shown, text, None, k.name)
                raw[(section, name)] = Raw(value, shown, where, base)

    # 2. the environment wins.
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX) or name == ENV_CONFIG:
            continue
        if name.startswith(ENV_IGNORED_PREFIXES) or ENV_SERVICE_LINKS.fullmatch(name):
            continue
        k = BY_ENV.get(name)
        if k is None:
            close = difflib.get_close_matches(name, list(BY_ENV), n=1, cutoff=0.6)
            hint = f"Did you mean {close[0]}?" if close else "Remove it or fix its name."
            errors.append(
                f"{name}: is not a known setting (ONETOONE_* variables are reserved for "
                f"settings). {hint} config.example.toml lists every setting; each is "
                f"ONETOONE_<SECTION>_<KEY>."
            )
            continue
        try:
            value = _from_env(k, env[name])
        except Bad as bad:
            errors.append(_message(name, k, env[name], bad))
            continue
        before = raw[(k.section, k.key)]
        raw[(k.section, k.key)] = Raw(
            value, f"env {name}", name, None, from_env=True,
            overrides=before.where if before.origin != "default" else None)

    # 3. each value on its own.
    values: dict[tuple[str, str], Any] = {}
    for k in KEYS:
        item = raw[(k.section, k.key)]
        try:
            values[(k.section, k.key)] = check_value(k, item)
        except Bad as bad:
            errors.append(_message(item.where, k, item.value, bad))
        except BadMany as many:
            for one in many.problems:
                # An entry of a table ([policy.groups]) is reported at its own line.
                where = item.where
                if one.entry is not None and not item.from_env and text:
                    where = _where(shown, text, f"{k.section}.{k.key}", one.entry)
                errors.append(_message(where, k, item.value, one))

    # 4. values together (only where the values involved are themselves valid).
    errors.extend(cross_checks(values, raw))

    if errors:
        raise ConfigError("\n".join(sorted(errors, key=_file_order)))

    def fields(name: str) -> dict[str, Any]:
        return {k.key: values[(k.section, k.key)] for k in KEYS if k.section == name}

    ms = fields("microsoft")
    cloud = ms["cloud"]
    ms["authority"] = ms["authority"] or CLOUD_AUTHORITIES[cloud]
    ms["graph_url"] = ms["graph_url"] or CLOUD_GRAPH_URLS[cloud]
    origins = tuple((f"{s}.{n}", item.origin) for (s, n), item in raw.items())
    holidays = fields("holidays")
    if not ms["tenant_id"] and not holidays["groups"] and not holidays["people"]:
        holidays["people"] = SANDBOX_HOLIDAY_PEOPLE
        origins = tuple((name, "default for the sandbox's demo organisation")
                        if name == "holidays.people" else (name, origin)
                        for name, origin in origins)
    return Settings(
        microsoft=MicrosoftSettings(**ms),
        database=DatabaseSettings(**fields("database")),
        policy=PolicySettings(**fields("policy")),
        pairs=PairsSettings(**fields("pairs")),
        worker=WorkerSettings(**fields("worker")),
        agenda=AgendaSettings(**fields("agenda")),
        mail=MailSettings(**fields("mail")),
        holidays=HolidaySettings(**holidays),
        report=ReportSettings(**fields("report")),
        privacy=PrivacySettings(**fields("privacy")),
        source=shown if file_path is not None else "defaults",
        origins=origins,
    )


def _where(shown: str, text: str, section: str | None, name: str) -> str:
    line = _find_line(text, section, name)
    return f"{shown}:{line}" if line else shown


def _find_line(text: str, section: str | None, name: str) -> int | None:
    """The line where ``name`` is set in ``[section]`` (or the ``[name]`` header)."""
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[\s*([^\[\]]+?)\s*\]", stripped)
        if header:
            current = header.group(1).replace('"', "").replace(" ", "")
            if section is None and current == name:
                return number
            continue
        assign = re.match(r"""^["']?([^"'=\s]+)["']?\s*=""", stripped)
        if assign and assign.group(1) == name and current == section:
            return number
    return None


def _unknown_section(section: str, table: Any, shown: str, text: str) -> str:
    if not isinstance(table, dict):
        secret = next((k for k in KEYS if k.key == section and k.env_only), None)
        if secret is not None:
            return (
                f"{_where(shown, text, None, section)}: {section} must not be in the config "
                f"file (a file gets copied, committed and backed up). Delete the line and set "
                f"the environment variable {secret.env} instead; if this file was ever shared, "
                "rotate the secret.")
        owners = [k for k in KEYS if k.key == section and not k.env_only]
        if owners:
            k = owners[0]
            return (
                f"{_where(shown, text, None, section)}: {section} is not inside a section. "
                f"Move it under [{k.section}]."
            )
        return (
            f"{_where(shown, text, None, section)}: {section} is not inside a section and is "
            f"not a known key. Sections are: {', '.join(SECTIONS)}."
        )
    close = difflib.get_close_matches(section, SECTIONS, n=1, cutoff=0.5)
    hint = f"Did you mean [{close[0]}]?" if close else f"Known sections: {', '.join(SECTIONS)}."
    return (
        f"{_where(shown, text, None, section)}: [{section}] is not a known section. {hint} "
        "Rename or remove it."
    )


def _unknown_key(section: str, name: str, where: str) -> str:
    known = [k.key for k in KEYS if k.section == section and not k.env_only]
    close = _suggest(name, known)
    elsewhere = [k for k in KEYS if k.key == name and not k.env_only]
    if close:
        hint = f"Did you mean {_either(close)}?"
    elif elsewhere:
        hint = f"It belongs in [{elsewhere[0].section}]; move it there."
    else:
        hint = f"Known keys in [{section}]: {', '.join(known)}."
    return f"{where}: [{section}] {name} is not a known key. {hint}"


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _suggest(name: str, known: list[str]) -> list[str]:
    """Known names close to ``name``, whole or by a word of them ("cadense" -> *_cadence)."""

    def score(candidate: str) -> float:
        parts = [candidate, *candidate.split("_")]
        return max(difflib.SequenceMatcher(None, name.lower(), p).ratio() for p in parts)

    scores = {candidate: score(candidate) for candidate in known}
    best = max(scores.values(), default=0.0)
    if best < 0.6:
        return []
    return [candidate for candidate, value in scores.items() if value == best][:3]


def _message(where: str, k: Key, value: Any, bad: Bad) -> str:
    label = bad.label or f"[{k.section}] {k.key}"
    shown_value = bad.value if bad.label else value
    if k.secret:
        shown = "(hidden)"
    elif k.key == "url" and k.section == "database" and isinstance(shown_value, str):
        shown = as_toml(hide_password(shown_value))
    else:
        shown = as_toml(shown_value)
    fix = bad.fix if bad.fix.endswith((".", "?", ")")) else f"{bad.fix}."
    return f"{where}: {label} = {shown} {bad.problem}. {fix}"


_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def _from_env(k: Key, text: str) -> Any:
    """Turn an environment variable's text into the value the file would have held."""
    text = text.strip()
    if k.type == "int":
        try:
            return int(text)
        except ValueError:
            raise Bad("is not a whole number", int_fix(k)) from None
    if k.type == "auto":
        if text.lower() == "auto":
            return "auto"
        try:
            return int(text)
        except ValueError:
            raise Bad('is not "auto" or a whole number from 0',
                      "Set it to auto, a whole number, or 0 for no limit.") from None
    if k.type == "bool":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise Bad("is not true or false", "Set it to true or false (or 1/0, yes/no).")
    if k.type == "list":
        return [part.strip() for part in text.split(",") if part.strip()]
    if k.type == "table":
        table: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, sep, value = part.partition("=")
            if not sep or not name.strip() or not value.strip():
                name_ex, value_ex = k.example if k.example[0] else (GUID_EXAMPLE, "weekly")
                raise Bad(
                    f"has {part!r}, which is not name=value",
                    f"Write it as {name_ex}={value_ex},<another name>=<another value>.",
                )
            table[name.strip()] = value.strip()
        return table
    return text


def _file_order(message: str) -> tuple[int, str, int]:
    """Problems in the order an admin reads the file: by file and line, then the ones from
    environment variables and defaults as they were found (the sort is stable)."""
    match = re.match(r"(.+?):(\d+): ", message)
    return (0, match.group(1), int(match.group(2))) if match else (1, "", 0)
