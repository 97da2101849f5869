"""The crash tests' fork server (tests/support/zygote.py) runs a script as `python SCRIPT
ARGS` would, in a process of its own: its own arguments, folder, environment and stderr,
its exit code or the signal that killed it, its atexit handlers on a normal exit; a hung
run is told apart and killed."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.zygote import Child, Zygote

SCRIPT = r'''
import atexit, os, signal, sys, time

print(sys.argv[1:], os.getcwd(), sorted(k for k in os.environ if k.startswith("ZYGOTE_")),
      file=sys.stderr)
atexit.register(lambda: open("atexit.txt", "a").write(f"{os.getpid()}\n"))
what = sys.argv[1]
if what == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
if what == "hang":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # as the worker does
    open("ready", "w").close()
    time.sleep(600)
sys.exit(int(what))
'''


@pytest.fixture
def zygote(tmp_path: Path) -> Iterator[Zygote]:
    """A zygote with a variable of its own, which no run must see."""
    env = dict(os.environ, ZYGOTE_OWN="1")
    with Zygote(["json"], env, tmp_path / "zygote.log") as zygote:
        yield zygote


def run(zygote: Zygote, folder: Path, what: str) -> tuple[int, str]:
    """Run SCRIPT to the end: its exit code and stderr."""
    script = folder / "script.py"
    script.write_text(SCRIPT)
    child = zygote.start(script, [what], env={"ZYGOTE_RUN": "1"}, cwd=folder,
                         stderr=folder / "err.txt")
    assert child.pid != os.getpid()
    return child.wait(timeout=60), (folder / "err.txt").read_text()


def test_a_run_is_the_script_in_a_process_of_its_own(zygote: Zygote, tmp_path: Path) -> None:
    """A run has the request's arguments, folder and environment (not the zygote's), writes
    its stderr to the file, exits with the script's code after its atexit handlers, and one
    killed by SIGKILL is reported as Popen reports it, with no handler run."""
    code, err = run(zygote, tmp_path, "3")
    assert code == 3
    assert err == f"['3'] {tmp_path} ['ZYGOTE_RUN']\n"
    assert len((tmp_path / "atexit.txt").read_text().split()) == 1
    code, err = run(zygote, tmp_path, "kill")
    assert code == -signal.SIGKILL
    assert err.startswith("['kill']")
    assert len((tmp_path / "atexit.txt").read_text().split()) == 1
    assert run(zygote, tmp_path, "0")[0] == 0  # and the zygote serves on


def test_a_hung_run_is_told_apart_and_killed(zygote: Zygote, tmp_path: Path) -> None:
    """A run still going after the wait's timeout raises TimeoutExpired (the crash tests'
    hang guard), its own signal handler gets the SIGTERM sent to it, and a run still going
    when the zygote closes is killed."""
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)

    def start() -> Child:
        child = zygote.start(script, ["hang"], env={}, cwd=tmp_path, stderr=tmp_path / "err")
        while not (tmp_path / "ready").exists():
            assert child.poll() is None, (tmp_path / "err").read_text()
        (tmp_path / "ready").unlink()
        return child

    child = start()
    with pytest.raises(subprocess.TimeoutExpired):
        child.wait(timeout=0.2)
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=60) == 0
    left = start()
    zygote.close()
    with pytest.raises(ProcessLookupError):
        os.kill(left.pid, 0)
