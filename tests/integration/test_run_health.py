"""How the last runs went, for the admin: `onetoone status` says the last run and the last
directory sync and, while they fail, since when and with what; a sign-in Entra refuses for
good (an expired client secret) makes /readyz 503 at the first run that meets it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from service.cli import cli
from service.clock import FixedClock
from service.graph.auth import StaticTokenProvider
from service.graph.errors import translate_msal
from service.worker import Worker
from tests.cli_env import cli_env

T0 = datetime(2026, 11, 23, 9, tzinfo=UTC)
# Entra's answer to a client credentials request with an expired secret (as msal hands it).
EXPIRED = {"error": "invalid_client", "error_codes": [7000222], "error_description":
           "AADSTS7000222: The provided client secret keys for app '1111' are expired."}


class ExpiredSecret(StaticTokenProvider):
    """Entra refusing the app's sign-in: its client secret has expired."""

    async def get_authorization_token(self, uri: str, additional_authentication_context:
                                      dict[str, Any] | None = None) -> str:
        raise translate_msal(EXPIRED)


def _run(runner: CliRunner, *args: str) -> Any:
    return runner.invoke(cli, list(args))


def test_status_says_since_when_the_directory_sync_fails_to_sign_in(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through a sign-in outage the pairs look as healthy as ever: status says the last
    good run and sync, that the syncs fail since the first that did, and what to run."""
    cli_env(monkeypatch, tmp_path, 220)
    runner = CliRunner()
    assert _run(runner, "tick", "--now", "2026-11-23T09:00:00Z").exit_code == 0
    shown = _run(runner, "status", "--now", "2026-11-23T09:05:00Z")
    assert shown.exit_code == 0, shown.output
    assert "last run: Mon 23 Nov 2026 09:00 UTC\n" in shown.output, shown.output
    assert "last directory sync: Mon 23 Nov 2026 09:00 UTC\n" in shown.output, shown.output
    monkeypatch.setattr("service.graph.factory.StaticTokenProvider", ExpiredSecret)
    for at in ("2026-11-23T10:00:00Z", "2026-11-23T11:00:00Z"):
        failed = _run(runner, "tick", "--now", at)
        assert failed.exit_code == 1 and "AADSTS7000222" in failed.output, failed.output
    shown = _run(runner, "status", "--now", "2026-11-23T11:05:00Z")
    assert shown.exit_code == 0, shown.output
    out = " ".join(shown.output.split())
    assert ("last directory sync: Mon 23 Nov 2026 09:00 UTC (failing since Mon 23 Nov 2026 "
            "10:00 UTC: AuthError — run `onetoone doctor`)") in out, shown.output
    assert "last run: Mon 23 Nov 2026 09:00 UTC (failing since Mon 23 Nov 2026 10:00" in out
    monkeypatch.undo()  # a new secret: the next run signs in, and status says no failure
    cli_env(monkeypatch, tmp_path, 220)
    assert _run(runner, "tick", "--now", "2026-11-23T12:00:00Z").exit_code == 0
    shown = _run(runner, "status", "--now", "2026-11-23T12:05:00Z")
    assert "last directory sync: Mon 23 Nov 2026 12:00 UTC\n" in shown.output, shown.output
    assert "failing since" not in shown.output


def test_status_before_any_run_says_none_is_recorded(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A database no run has recorded its outcome in yet (made by `schedule` before the
    upgrade that keeps it) says so, rather than a time."""
    cli_env(monkeypatch, tmp_path, 220)
    runner = CliRunner()
    assert _run(runner, "tick", "--now", "2026-11-23T09:00:00Z").exit_code == 0
    from service.config import load_config
    from service.store.db import make_engine

    with make_engine(load_config(None).database.url).begin() as conn:
        conn.exec_driver_sql("DELETE FROM runs")
    shown = _run(runner, "status", "--now", "2026-11-23T09:05:00Z")
    assert "last run: none recorded yet" in shown.output, shown.output


def test_an_expired_secret_is_not_ready_at_the_first_sync_that_meets_it(
        tmp_path: Path, settings_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """No later run signs in by itself with an expired secret: /readyz is 503 from the first
    sync refused, not three sync intervals later; and ready again once a run signs in."""
    settings = settings_for(f"sqlite:///{tmp_path / 'w.db'}")
    clock = FixedClock(T0)
    worker = Worker(settings, clock)
    worker.run_job(sync=True)
    assert worker.ready()[0], worker.ready()
    monkeypatch.setattr("service.graph.factory.StaticTokenProvider", ExpiredSecret)
    clock.set(T0 + timedelta(hours=1))
    worker.run_job(sync=True)
    clock.set(T0 + timedelta(hours=1, minutes=15))
    worker.run_job(sync=False)  # nothing due: it goes through, but signs in to nothing
    ready, why = worker.ready()
    assert not ready, why
    assert why.startswith("sign-in refused by Microsoft Entra since "
                          f"{(T0 + timedelta(hours=1)).isoformat()}: AuthError"), why
    assert "7000222" not in why  # (the kind of error only: the log has its words)
    monkeypatch.undo()  # the secret replaced, the worker restarted: its next sync signs in
    clock.set(T0 + timedelta(hours=2))
    worker.run_job(sync=True)
    assert worker.ready() == (True, f"ok, last run {worker.last_ok.isoformat()}"), worker.ready()
