"""`python tests/support/short_demo.py HOURS ARGS...` is `onetoone ARGS...` in a process of its
own, its `onetoone demo` walking HOURS of simulated time rather than six weeks.

For tests of what the command does around the walk (its folder, its summary, a run again
creating nothing), not of the weeks walked: those are tests/acceptance/test_demo_pages.py's,
and the six-week `onetoone demo` itself runs in a process of its own in
tests/acceptance/test_benchmarks_demo.py. The walk is run_demo's own ``walk`` (tests and
benchmarks walk less); nothing else differs from `python -m service ARGS...`.
"""

from __future__ import annotations

import functools
import sys
from datetime import timedelta
from pathlib import Path


def main() -> None:
    hours, args = float(sys.argv[1]), sys.argv[2:]
    # Imports as `python -m service` finds them, not from this script's folder.
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    import service.demo

    # `onetoone demo` imports run_demo from service.demo when it runs.
    service.demo.run_demo = functools.partial(service.demo.run_demo,
                                              walk=timedelta(hours=hours))
    sys.argv = ["onetoone", *args]
    from service.launch import main as onetoone

    onetoone()


if __name__ == "__main__":
    main()
