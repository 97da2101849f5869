"""The question bank an agenda's open question comes from: the organisation's
questions.toml (``[agenda] templates``) if it has one, else ours, parsed once per version of
the file."""

from __future__ import annotations

from pathlib import Path

from service.domain.questions import Question, load_bank
from service.errors import ConfigError
from service.render import default_folder, unreadable


def question_bank(folder: Path | None) -> list[Question]:
    """The organisation's questions.toml if it has one, else ours."""
    for base in ([folder] if folder else []) + [default_folder()]:
        path = base / "questions.toml"
        try:
            if path.is_file():
                return list(_parsed_bank(path))
        except OSError as exc:  # (a UnicodeDecodeError is a ValueError: see _bank_text)
            raise unreadable(path, exc) from exc
    return []


# Parsed banks by file and version: capture renders each meeting's agenda again, and
# parsing the TOML for each one cost more than the rest of that render.
_BANKS: dict[tuple[str, int, int], tuple[Question, ...]] = {}


def _parsed_bank(path: Path) -> tuple[Question, ...]:
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    bank = _BANKS.get(key)
    if bank is None:
        bank = tuple(load_bank(_bank_text(path), source=str(path)))
        _BANKS.clear()  # an edited bank replaces the one before
        _BANKS[key] = bank
    return bank


def _bank_text(path: Path) -> str:
    """The bank's text. Windows tools (Notepad before 2019, PowerShell 5's Out-File) save
    UTF-8 with a byte order mark, which TOML refuses as line 1's "Invalid statement": it is
    tolerated, as in onetoone.toml. Another encoding is named with what to do, not left to
    fail the agendas step as a bare UnicodeDecodeError naming no file."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: is not UTF-8 text ({exc.reason} at byte {exc.start}). "
                          "Save it as UTF-8.") from exc
