"""A sandbox state file that can't be used (corrupt JSON, an older format, a folder, a path
where it cannot be created) is one message naming [microsoft] sandbox_state and what to do,
not a traceback."""

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


@pytest.mark.parametrize("kind", ["under a file", "in a missing folder that cannot be made"])
def test_a_state_file_that_cannot_be_created_is_a_config_error(
        tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new tenant's state cannot be saved where sandbox_state says (its folder is a file,
    or cannot be made): one message naming the setting, the path and the system's reason,
    whether the run or the lock before it meets it first."""
    from service.app import sandbox_state_lock, save_sandbox
    from service.sandbox import SandboxTenant

    (tmp_path / "empty.json").write_text("")
    if kind == "under a file":
        state, said = tmp_path / "empty.json" / "x.json", "empty.json is a file, not a folder"
    else:
        # (/proc refuses new folders even to root, as a read-only mount would)
        state, said = Path("/proc/nope/x.json"), "No such file or directory: /proc/nope"
    settings = _settings(state)
    for attempt in (lambda: load_sandbox(settings, datetime(2026, 12, 1, tzinfo=UTC)),
                    lambda: sandbox_state_lock(settings),
                    lambda: save_sandbox(settings, SandboxTenant())):
        with pytest.raises(ConfigError) as caught:
            attempt()
        message = str(caught.value)
        assert message.startswith(f"[microsoft] sandbox_state = {str(state)!r} cannot be "
                                  "created (")
        assert said in message, message
