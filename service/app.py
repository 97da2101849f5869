"""Wiring: settings -> database, Graph client (real or sandbox), job context."""

from __future__ import annotations

import errno
import functools
import gc
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from service.config import Settings
from service.errors import ConfigError, ServiceError, StoreError
from service.graph.client import GraphClient
from service.graph.factory import build_from_settings
from service.jobs.context import JobContext, Progress
from service.logs import register_secret
from service.store.db import (
    check_schema,
    keep_private,
    make_engine,
    shared_engine,
    sqlite_path,
    upgrade,
)
from service.store.leases import worker_identity
from service.store.repo import Store

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    store: Store
    sandbox: Any  # SandboxTenant when running against the built-in tenant


def open_store(settings: Settings, *, create: bool = True) -> Store:
    """The store; a SQLite file is created/upgraded on the spot (zero set-up), a server
    database must be upgraded explicitly with `onetoone db upgrade`. ``create`` False (a
    command that only reads): a SQLite file not there is refused, not created empty: an
    empty table would hide a wrong folder or config."""
    if not create:
        refuse_missing(settings)
    else:
        refuse_elsewhere(settings)
    engine = shared_engine(settings.database.url)
    if engine.url.get_backend_name() == "sqlite":
        upgrade(engine)
    else:
        check_schema(engine)
    # (A restored SQLite file keeps its old mode. Once the file is known to be onetoone's:
    # another program's, refused above, keeps the mode that program gave it.)
    keep_private(settings.database.url)
    return Store(engine)


# The young generation's collection threshold once a process has started (CPython's is 700).
GC_YOUNG = 10_000


def tune_gc() -> None:
    """Called once a process has imported what it runs (the CLI before its command; the
    benchmarks likewise). What is alive then (modules, classes, Graph's schemas) lives as
    long as the process, so it is moved out of the collector's sight, and the young
    generation is collected less often: a rollout or a busy tick allocates many short-lived
    objects, mostly freed by reference counting, and each collection walked them all (about
    a tenth of a 1,000-pair rollout's CPU, measured). Not called again: a later freeze
    would keep whatever cyclic garbage was alive then for ever."""
    gc.collect()
    gc.freeze()
    _young, *older = gc.get_threshold()
    gc.set_threshold(GC_YOUNG, *older)


def graph_for(settings: Settings, *, sandbox: Any = None, **overrides: Any) -> GraphClient:
    """The Graph client for the settings: over the sandbox tenant's transport in sandbox
    mode (``sandbox`` is the SandboxTenant), else Microsoft's service."""
    if not settings.is_sandbox:
        return build_from_settings(settings, **overrides)
    if sandbox is None:
        raise ValueError("sandbox mode needs a SandboxTenant")
    from service.sandbox import SandboxTransport

    return build_from_settings(settings, inner=SandboxTransport(sandbox), **overrides)


def load_sandbox(settings: Settings, today: datetime) -> Any:
    """The sandbox tenant from its state file, seeded with the demo organisation if new."""
    from service.sandbox import SandboxTenant, demo_tenant

    path = Path(settings.microsoft.sandbox_state)
    if path.exists():
        try:
            tenant = SandboxTenant.load(path)
        except (OSError, ValueError, KeyError, TypeError) as exc:  # JSONDecodeError too
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ConfigError(
                f"[microsoft] sandbox_state = {str(path)!r} cannot be read as a sandbox tenant "
                f"({reason}). Delete it to start a fresh sandbox tenant (only the sandbox's "
                "made-up calendars are lost; nothing in Microsoft is touched), or point "
                "sandbox_state (ONETOONE_MICROSOFT_SANDBOX_STATE) at another file."
            ) from exc
    else:
        tenant = demo_tenant(today.date())
        with _writing_state(path):
            tenant.save(path)
    tenant.autosave = path
    # Test knob: slow every sandbox request down (crash tests, benchmarks).
    tenant.latency = float(os.environ.get("ONETOONE_TEST_SANDBOX_LATENCY", "0") or 0)
    return tenant


def refuse_missing(settings: Settings) -> None:
    """Raise StoreError when the SQLite file of ``settings`` is not there yet (in a folder
    that is): a command that reads what runs stored, or copies it, must not create it empty.
    (A folder not there is said as such when the file is opened: `sqlite_folder_problem`.)"""
    path = sqlite_path(settings.database.url)
    refuse_elsewhere(settings)
    if path is not None and _not_created(path):
        raise StoreError(
            f"No database at {path.absolute()}: nothing has been scheduled with it yet. Run "
            "`onetoone schedule` (or `tick`) to start one, or point --config or [database] "
            "url (ONETOONE_DATABASE_URL) at the database in use.")


def refuse_elsewhere(settings: Settings) -> None:
    """Raise StoreError when the default SQLite file is not in the working folder but there
    is one beside the config file (`database_beside_config`). Every command that opens the
    store calls it before anything connects: a SQLite connect creates the file, and once
    the empty one is there the guard cannot tell it from the real one any more."""
    if (there := database_beside_config(settings)) is not None:
        raise StoreError(_elsewhere(settings, there))


def database_beside_config(settings: Settings) -> Path | None:
    """The SQLite file beside the config file in use, when the database is the default one
    (a path relative to the working folder, see config/load.py), which is not in this
    folder while that one is: a command run with --config from another folder would start a
    second, empty database, the notes and mail of the first left behind in it."""
    if settings.source == "defaults" or settings.origin("database.url") != "default":
        return None
    path = sqlite_path(settings.database.url)
    if path is None or path.is_absolute() or path.exists():
        return None
    there = Path(settings.source).resolve().parent / path
    return there if there.is_file() and there != path.resolve() else None


def _elsewhere(settings: Settings, there: Path) -> str:
    path = sqlite_path(settings.database.url)
    return (f"No database at {path.absolute() if path else settings.database.url}, but there "
            f"is one beside the config file {settings.source}: {there}. The default [database] "
            "url is relative to the working folder, not to the config file. Run the command "
            f"from {there.parent}, or set [database] url = \"sqlite:///{there.name}\" in "
            f"{settings.source} (a path written in the file is relative to the file's "
            "folder); a new database here would start again without its notes and mail.")


def _not_created(path: Path | None) -> bool:
    """A SQLite file not there yet, in a folder that is."""
    return path is not None and not path.exists() and path.absolute().parent.is_dir()


@contextmanager
def store_or_blank(settings: Settings) -> Iterator[Store | None]:
    """None (open the store as usual), or, when its SQLite file is not there yet, an empty
    store in a temporary folder: a command that changes nothing (`pairs`, `schedule
    --dry-run`) shows what the first run would do without leaving a database behind."""
    refuse_elsewhere(settings)
    if not _not_created(sqlite_path(settings.database.url)):
        yield None
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="onetoone-blank-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'blank.db'}")
        try:
            upgrade(engine)
            yield Store(engine)
        finally:
            engine.dispose()


@contextmanager
def _writing_state(path: Path) -> Iterator[None]:
    """The sandbox state file (or its folder, or its lock) cannot be made: one line naming
    the setting, the path and the system's reason, not a traceback."""
    try:
        yield
    except OSError as exc:
        failed = exc.filename or path
        if exc.errno in (errno.EEXIST, errno.ENOTDIR):
            reason = f"{failed} is a file, not a folder"
        else:
            reason = f"{exc.strerror or exc}: {failed}"
        raise ConfigError(
            f"[microsoft] sandbox_state = {str(path)!r} cannot be created ({reason}). Point "
            "sandbox_state (ONETOONE_MICROSOFT_SANDBOX_STATE) at a file in a folder this "
            "user can write to.") from exc


def save_sandbox(settings: Settings, tenant: Any) -> None:
    if tenant is not None:
        path = Path(settings.microsoft.sandbox_state)
        with _writing_state(path):
            tenant.save(path)


@asynccontextmanager
async def job_context(
    settings: Settings, now: datetime, *, progress: Progress | None = None,
    sandbox: Any = None, store: Store | None = None, persist_sandbox: bool = True,
    graph_options: dict[str, Any] | None = None,
) -> AsyncIterator[JobContext]:
    """A JobContext for one run; the sandbox state is saved when the run ends."""
    register_secret(getattr(settings.microsoft, "client_secret", None))
    store = store or open_store(settings)
    with ExitStack() as held:
        tenant = sandbox
        if settings.is_sandbox and tenant is None:
            # The run owns the state file until it has saved it (see state_lock).
            held.enter_context(sandbox_state_lock(settings))
            tenant = load_sandbox(settings, now)
            tenant.now = lambda: now  # the sandbox's clock follows the run's (tick --now)
        graph = graph_for(settings, sandbox=tenant, **(graph_options or {}))
        # (Before any request: the policy is read afresh by each.)
        graph.transport.policy = replace(graph.transport.policy, address_of=_addresses(store))
        try:
            yield JobContext(settings=settings, store=store, graph=graph, progress=progress,
                             worker_id=worker_identity(settings.worker.name))
        finally:
            await graph.aclose()
            if settings.is_sandbox and persist_sandbox and sandbox is None:
                save_sandbox(settings, tenant)


def _addresses(store: Store) -> Callable[[str], str | None]:
    """A mailbox's address from its directory id, for what the Graph adapter logs (a
    retry, a mailbox given up): the id its requests use tells an admin nothing. Asked
    only as a line is logged; None (say the id) for one not stored, or the store failing."""

    @functools.lru_cache(maxsize=1024)
    def address_of(mailbox: str) -> str | None:
        try:
            person = store.people([mailbox]).get(mailbox)
        except ServiceError:
            return None
        return person.email if person is not None else None

    return address_of


def sandbox_state_lock(settings: Settings) -> AbstractContextManager[None]:
    """Hold the sandbox state file (one process at a time loads, changes and saves it)."""
    from service.sandbox import state_lock

    path = Path(settings.microsoft.sandbox_state)
    # What taking the lock creates (the folder, the .lock file) is made here first, so a
    # path that cannot be used is said as such; the run's own errors are left to the run.
    with _writing_state(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_name(path.name + ".lock").touch()
    return state_lock(path)
