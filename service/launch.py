"""The `onetoone` command's entry point, kept free of imports.

Importing the command line loads msgraph-sdk and SQLAlchemy, which takes a second or more;
a Ctrl-C in that second must end the command as a Ctrl-C later does ("Aborted!", exit 1),
not with a traceback through the import machinery.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from service.cli import main as run
    except KeyboardInterrupt:
        print("\nAborted!", file=sys.stderr)
        sys.exit(1)
    run()
