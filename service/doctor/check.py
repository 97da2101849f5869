"""One line of `onetoone doctor`: what was checked, whether it passed, and the fix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    # Said with its fix, but no failure: runs work, maybe not as the admin means them to.
    warn: bool = False
