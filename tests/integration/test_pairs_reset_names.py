"""`onetoone pairs reset` names the pair as the directory does: a display name is text, never
console markup. Directories mark contractors and guests in the name ("Rob Report [ext]");
rich would take "[ext]" for a style and drop it, and a stray closing tag ("[/]") would stop
the command with a traceback after the reset was stored.

Sandbox, SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from service.cli import cli
from tests.cli_env import cli_env
from tests.integration.test_adoption_search import _run
from tests.integration.test_own_series import MIA, ROB, _own, _view
from tests.integration.test_schedule_job import NOW, org


@pytest.mark.parametrize("name", ["Rob Report [ext]", "Rob [/] Report"])
def test_pairs_reset_prints_the_names_as_they_are(db_url: str, settings_for: Any, name: str,
                                                  tmp_path: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    tenant = org()
    tenant.user(ROB)["displayName"] = name
    _own(tenant, ROB, [MIA], interval=1, subject="Rob's 1:1 with Mia")
    _run(settings_for(db_url), tenant, NOW)
    assert _view(db_url, ROB).pairing.status == "own_series"

    cli_env(monkeypatch, tmp_path, 250)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", db_url)
    reset = CliRunner().invoke(cli, ["pairs", "reset", ROB])
    assert reset.exit_code == 0, reset.output
    assert f"Mia Manager & {name} will be scheduled again" in reset.output
    assert _view(db_url, ROB).pairing.status == "active"
