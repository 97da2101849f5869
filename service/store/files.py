"""Reading the files an admin points onetoone at (the pairs CSV)."""

from __future__ import annotations

import codecs
import hashlib
import os
import stat
from pathlib import Path

from service.domain.pairs_csv import MAX_ERRORS
from service.domain.text import clean_text
from service.errors import PairsFileError


def read_pairs_file(path: str) -> str:
    """The pairs file's text, or PairsFileError naming the file and what to do."""
    return read_pairs_file_digested(path)[0]


def read_pairs_file_digested(path: str) -> tuple[str, str]:
    """The pairs file's text and the digest of the bytes it was read from (as
    ``file_digest`` gives it), or PairsFileError naming the file and what to do. One read:
    a digest taken again later may be of a file saved since, which this text is not."""
    try:
        mode = os.stat(path).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            # Read, /dev/zero never ends (filling memory) and a pipe never starts (no writer).
            raise PairsFileError(f"{path}: is a device, pipe or socket, not a file. Point "
                                 "[pairs] file at the pairs CSV itself.")
        data = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise PairsFileError(
            f"{path}: the pairs file does not exist. Fix [pairs] file or create it "
            "(columns: manager,report[,cadence,minutes]).") from exc
    except OSError as exc:
        # A folder is IsADirectoryError on Linux and macOS but PermissionError on Windows.
        if Path(path).is_dir():
            raise PairsFileError(
                f"{path}: is a folder, not a file. Point [pairs] file at the CSV file "
                "itself (e.g. pairs.csv inside that folder).") from exc
        raise PairsFileError(f"{path}: cannot be read ({exc.strerror}).") from exc
    digest = _digest(data)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif (kind := _not_text(data)) is not None:
        # Read as UTF-8, these fail with a byte "in Windows-1252" on line 1, which sends the
        # admin after a stray character; the fix is to save the file another way.
        raise PairsFileError(
            f"{path}: is {kind}, not a UTF-8 CSV file. Save it from Excel with File › Save "
            "As › CSV UTF-8 (Comma delimited), and point [pairs] file at that file.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PairsFileError(_not_utf8(data, path)) from exc
    # NULs, bidi overrides and lone CRs out, as for all text from outside (domain/text.py).
    return clean_text(text)[0], digest


def _not_text(data: bytes) -> str | None:
    """What a file that is not UTF-8 text at all is, by its first bytes: what Excel writes
    besides a CSV (the workbook itself, or "Unicode Text", which is UTF-16)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return 'UTF-16 text (as Excel saves "Unicode Text")'
    if data.startswith(b"PK\x03\x04"):
        return "a zip file (an Excel workbook, .xlsx, is one)"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "an Excel 97-2003 workbook (.xls)"
    return None


def file_digest(path: str) -> str | None:
    """A short digest of a file's bytes (whether it changed since), or None if unreadable
    (or no regular file: read_pairs_file says why)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        return _digest(Path(path).read_bytes())
    except OSError:
        return None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _not_utf8(data: bytes, path: str) -> str:
    """One ``file:line`` message per line holding bytes that are not UTF-8 (the admin's fix
    is the same for all: save the file as UTF-8; the lines show where, and the byte read as
    Windows-1252 shows what, as most such files come from Excel's plain "CSV")."""
    messages: list[str] = []
    more = 0
    # A line end is never inside a UTF-8 character, so each bad byte is on a line that
    # fails on its own.
    # Lines as the parser numbers them: CRLF, a lone CR and LF each end a line.
    for number, line in enumerate(data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
                                  .split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            if len(messages) == MAX_ERRORS:
                more += 1
                continue
            byte = line[exc.start]
            column = len(line[:exc.start].decode("utf-8")) + 1
            seen = bytes([byte]).decode("cp1252", "replace")
            guess = f", {seen!r} in Windows-1252" if seen != "\ufffd" else ""
            messages.append(
                f"{path}:{number}: not UTF-8 text (byte 0x{byte:02X} at column {column}"
                f"{guess}). Save the file as UTF-8 (in Excel: CSV UTF-8).")
    if more:
        messages.append(f"... and {more} more lines that are not UTF-8 in {path}.")
    return "\n".join(messages)


def zone_tables() -> list[str]:
    """The text of tzdata's zone -> country tables (``zone1970.tab``, ``zone.tab``); [] when
    the tzdata package is missing, so a check that needs them says nothing."""
    from importlib import resources

    texts = []
    for name in ("zone1970.tab", "zone.tab"):
        try:
            texts.append(resources.files("tzdata").joinpath("zoneinfo", name).read_text(
                encoding="utf-8"))
        except (ModuleNotFoundError, OSError):
            continue
    return texts
