"""The entry point: a Ctrl-C while the command line is still importing ends it cleanly."""

from __future__ import annotations

import importlib.abc
import sys

import pytest

from service import launch


class _InterruptedImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "service.cli":
            raise KeyboardInterrupt
        return None


def test_ctrl_c_during_import_prints_aborted_not_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delitem(sys.modules, "service.cli", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_InterruptedImport(), *sys.meta_path])
    with pytest.raises(SystemExit) as exit_:
        launch.main()
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "Aborted!" in err and "Traceback" not in err


def test_the_command_runs_through_it(capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["onetoone", "--version"])
    with pytest.raises(SystemExit) as exit_:
        launch.main()
    assert exit_.value.code == 0
    assert "onetoone" in capsys.readouterr().out
