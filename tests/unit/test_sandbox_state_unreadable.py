"""A sandbox state file that can't be used (corrupt JSON, an older format, a folder) is one
message naming [microsoft] sandbox_state and what to do, not a traceback."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from service.app import load_sandbox
from service.config import default_settings
from service.errors import ConfigError


def _settings(state: Path):
    base = default_settings()
    return dataclasses.replace(
        base, microsoft=dataclasses.replace(base.microsoft, sandbox_state=state))


@pytest.mark.parametrize("kind", ["corrupt", "old version", "folder"])
def test_unusable_state_is_a_config_error(tmp_path: Path, kind: str) -> None:
    state = tmp_path / "onetoone-sandbox.json"
    if kind == "corrupt":
        state.write_text("{bad")
    elif kind == "old version":
        state.write_text('{"version": 0, "seed": 1}')
    else:
        state.mkdir()
    with pytest.raises(ConfigError) as caught:
        load_sandbox(_settings(state), datetime(2026, 12, 1, tzinfo=UTC))
    message = str(caught.value)
    assert "sandbox_state" in message and str(state) in message
    assert "Delete it" in message
