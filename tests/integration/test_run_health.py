"""How the last runs went, for the admin: `onetoone status` says the last run and the last
directory sync and, while they fail, since when and with what."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from service.cli import cli
from service.graph.auth import StaticTokenProvider
from service.graph.errors import translate_msal
from tests.cli_env import cli_env

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
