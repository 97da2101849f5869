"""A fork server ("zygote") for tests that start the `onetoone` command again and again.

The crash tests (tests/acceptance/test_crash.py) start a process for every run they kill,
about 80 in all. Process start-up dominates each: a `tick` process spent some 1.2 s of its
1.85 s starting Python and importing (SQLAlchemy's ORM, msgraph's request adapter, the
jobs), and 0.4 s ticking. The zygote is one process that imports those modules once, then
forks a child for each run. The child is still a real process of its own (its own pid,
memory, database connections, signal handlers), run as `python SCRIPT ARGS` would run it,
and it dies by a real SIGKILL: crash safety is tested as before. What the children share is
imported code, nothing else: the zygote only imports, and refuses to serve if an import
left a thread running (the child would not have it) or a file open (every child would
share it). Nothing in service/ knows about it.

Protocol (one child at a time): a JSON line on the zygote's stdin asks for a run
(``script``, ``args``, ``env``, ``cwd``, ``stderr``: a file path); the zygote answers
``started PID`` and, once the child has exited, ``exited CODE`` (minus the signal's number
when a signal killed it, as ``Popen.returncode``). The child stays a zombie, its pid
reserved, until the next request or the end of input, so a signal the test sends it can
never reach another process that reused the pid.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import runpy
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# --- the test's side -------------------------------------------------------------------


class Zygote:
    """A running zygote that has imported ``preload`` (module names), started with ``env``
    (which should hold nothing a run sets: the runs' own variables come with each run).
    Its own errors go to ``log``. Use it in a ``with`` block: leaving it kills a child
    still running, then the zygote."""

    def __init__(self, preload: Sequence[str], env: Mapping[str, str], log: Path) -> None:
        self.log = log
        with open(log, "w") as err:
            # Standard output is the zygote's answers; stderr is a file, not the terminal:
            # modules that measure their output when imported (rich's consoles) see what a
            # run's stderr is.
            self._proc = subprocess.Popen([sys.executable, __file__, *preload], env=dict(env),
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=err)
        self._pending = b""
        self.child: Child | None = None

    def start(self, script: Path, args: Sequence[str], *, env: Mapping[str, str],
              cwd: Path, stderr: Path) -> Child:
        """Run ``python script *args`` in a forked child: the child's environment is
        ``env`` alone, its stdin and stdout /dev/null, its stderr the file ``stderr``."""
        if self.child is not None and self.child.returncode is None:
            raise RuntimeError(f"child {self.child.pid} is still running")
        request = {"script": str(script), "args": list(args), "env": dict(env),
                   "cwd": str(cwd), "stderr": str(stderr)}
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(request).encode() + b"\n")
        self._proc.stdin.flush()
        word, pid = self.answer(None).split()
        assert word == "started", word
        self.child = Child(self, int(pid))
        return self.child

    def answer(self, timeout: float | None) -> str:
        """The zygote's next line; "" if none came within ``timeout`` seconds."""
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._pending:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([fd], [], [], left)[0]:
                return ""
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError("the zygote exited: " + self.log.read_text()[-3000:])
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return line.decode()

    def close(self) -> None:
        """Kill a child still running, then end the zygote (killed if it does not end)."""
        with contextlib.suppress(OSError, RuntimeError):
            if self.child is not None and self.child.returncode is None:
                self.child.kill()
                self.child.wait(timeout=60)
        with contextlib.suppress(OSError):
            assert self._proc.stdin is not None
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        assert self._proc.stdout is not None
        self._proc.stdout.close()

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Child:
    """A run the zygote forked: the part of ``subprocess.Popen`` the crash tests use."""

    def __init__(self, zygote: Zygote, pid: int) -> None:
        self.zygote, self.pid = zygote, pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self._read(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """The exit code; ``subprocess.TimeoutExpired`` if still running after ``timeout``."""
        if self.returncode is None and not self._read(timeout):
            raise subprocess.TimeoutExpired(f"child {self.pid}", timeout or 0)
        assert self.returncode is not None
        return self.returncode

    def communicate(self, timeout: float | None = None) -> tuple[None, None]:
        """As ``Popen.communicate`` for a process with no pipes: wait, and nothing read."""
        self.wait(timeout)
        return None, None

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:  # (until then, the zygote has not reaped it)
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def _read(self, timeout: float | None) -> bool:
        line = self.zygote.answer(timeout)
        if not line:
            return False
        word, code = line.split()
        assert word == "exited", word
        self.returncode = int(code)
        return True


# --- the zygote's side -----------------------------------------------------------------


def _check_nothing_shared() -> None:
    """Only imports may precede a fork: a thread would not exist in the child (and might
    hold a lock there for ever), and an open file would be shared by every child."""
    if threading.active_count() != 1:
        raise RuntimeError(f"an import started a thread: {threading.enumerate()}")
    for fd in sorted({int(fd) for fd in os.listdir("/proc/self/fd")} - {0, 1, 2}):
        try:
            opened = os.readlink(f"/proc/self/fd/{fd}")
        except FileNotFoundError:
            continue  # the listing's own handle, closed since
        raise RuntimeError(f"an import left a file open: {opened}")


def _serve() -> dict[str, Any] | None:
    """Fork a child for each request; in the child, return its request (None: input over)."""
    # Unbuffered: no child inherits unread input. (closefd False: the child's stdin is
    # replaced by /dev/null, not closed, when this object goes.)
    requests = os.fdopen(0, "rb", buffering=0, closefd=False)
    exited: int | None = None
    while True:
        line = requests.readline()
        if exited is not None:
            os.waitpid(exited, 0)  # reap the last child only now: see the module docstring
            exited = None
        if not line:
            return None
        request = json.loads(line)
        # Opened here, not in the child: once the test reads "started", the file is there
        # (as when the test opened it for Popen).
        request["stderr"] = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                                    0o644)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            return request
        os.close(request["stderr"])
        os.write(1, f"started {pid}\n".encode())
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        assert info is not None
        code = info.si_status if info.si_code == os.CLD_EXITED else -info.si_status
        os.write(1, f"exited {code}\n".encode())
        exited = pid


def _become(request: dict[str, Any]) -> None:
    """Turn this forked child into `python SCRIPT ARGS` started in ``request``'s folder and
    environment, with its standard streams."""
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(request["stderr"], 2)
    os.close(devnull)
    os.close(request["stderr"])
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = [request["script"], *request["args"]]
    sys.path[0] = os.path.dirname(request["script"])


if __name__ == "__main__":
    for name in sys.argv[1:]:
        importlib.import_module(name)
    _check_nothing_shared()
    child = _serve()
    if child is not None:
        _become(child)
        # Outside every frame of the server: the script's SystemExit (or exception) ends
        # this process as it ends a fresh interpreter, atexit handlers and all.
        runpy.run_path(child["script"], run_name="__main__")
