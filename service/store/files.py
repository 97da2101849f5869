"""Reading the files an admin points onetoone at (the pairs CSV)."""

from __future__ import annotations

from pathlib import Path

from service.domain.text import clean_text
from service.errors import PairsFileError


def read_pairs_file(path: str) -> str:
    """The pairs file's text, or PairsFileError naming the file and what to do."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise PairsFileError(
            f"{path}: the pairs file does not exist. Fix [pairs] file or create it "
            "(columns: manager,report[,cadence,minutes])."
        ) from exc
    except UnicodeDecodeError as exc:
        raise PairsFileError(
            f"{path}: not UTF-8 text (byte {exc.start}). Save it as CSV UTF-8."
        ) from exc
    except OSError as exc:
        raise PairsFileError(f"{path}: cannot be read ({exc.strerror}).") from exc
    # NULs, bidi overrides and lone CRs out, as for all text from outside (domain/text.py).
    return clean_text(text)[0]
