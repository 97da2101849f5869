"""SQLAlchemy's errors, translated at the store boundary into the one error root.

Every public method of a repository is wrapped (see `translating`), so a job, the CLI or the
worker only ever sees a `StoreError` whose message says what to do; the original error stays
chained (``from exc``) for ``--verbose``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import (
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)

from service.errors import StoreError

P = ParamSpec("P")
T = TypeVar("T")


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def translate(exc: SQLAlchemyError, doing: str, url: str = "") -> StoreError:
    """The StoreError to raise for ``exc``, met while ``doing`` (a method name) on the
    database at ``url`` (when known: it tells a SQLite file, which has no server, and its
    folder)."""
    from service.store.db import connect_hint, sqlite_open_error

    why = _first_line(exc)
    if isinstance(exc, IntegrityError):
        return StoreError(
            f"The database refused a change ({doing}: {why}): it conflicts with a stored row, "
            "probably written by another worker at the same moment. Run the command again; "
            "if it keeps failing, run `onetoone doctor`.")
    if isinstance(exc, DataError):
        return StoreError(
            f"The database refused a value ({doing}: {why}). Check the value you gave; if it "
            "came from Outlook or the directory, please report it as a bug.")
    if isinstance(exc, ProgrammingError) or "no such table" in why or "no such column" in why:
        return StoreError(
            f"The database is not at the schema this onetoone expects ({doing}: {why}). Run "
            "`onetoone db upgrade`.")
    if isinstance(exc, (OperationalError, InterfaceError)):
        if problem := sqlite_open_error(url):
            return StoreError(f"{problem} ({doing}: {why})")
        if not url and type(getattr(exc, "orig", None)).__module__.startswith("sqlite3"):
            url = "sqlite://"  # the driver tells a SQLite file when the caller could not
        hint = connect_hint(url).removesuffix(".")
        return StoreError(f"The database could not be used ({doing}: {why}). {hint}, then "
                          "try again.")
    return StoreError(f"The database failed ({doing}: {exc.__class__.__name__}: {why}). "
                      "Run `onetoone doctor` to check the database.")


def translating(fn: Callable[P, T]) -> Callable[P, T]:
    """``fn`` with any SQLAlchemy error that escapes it raised as a StoreError."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        except SQLAlchemyError as exc:
            # A repository (args[0]) holds its engine; its URL says which hint fits.
            engine = getattr(args[0], "engine", None) if args else None
            raise translate(exc, fn.__name__, str(engine.url) if engine else "") from exc

    return wrapper
