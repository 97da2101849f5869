"""An organisation's agenda template is rendered in Jinja's sandbox (service/render.py): it may
word the agenda, never reach the process (its environment holds the client secret, which can
send mail from every mailbox in the tenant) or run code. The sandbox is only as good as the
Jinja installed, so the releases with a published way out of it are not allowed."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from jinja2.sandbox import SecurityError
from packaging.requirements import Requirement

from service.domain.body import MARKERS
from service.render import render

ROOT = Path(__file__).resolve().parents[2]
# Jinja releases whose sandbox a template can leave (GHSA advisories of pallets/jinja):
# 3.1.5 through |attr("format") (CVE-2025-27516), 3.0.0-3.1.4 through a crafted template name
# (CVE-2024-56201).
ESCAPABLE = ("3.1.0", "3.1.2", "3.1.4", "3.1.5")


def _jinja_requirement() -> Requirement:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    (req,) = [Requirement(d) for d in project["dependencies"]
              if re.match(r"jinja2\b", d, re.I)]
    return req


def test_jinja_with_an_escapable_sandbox_is_not_allowed() -> None:
    allowed = [v for v in ESCAPABLE if _jinja_requirement().specifier.contains(v)]
    assert allowed == [], f"pyproject.toml allows Jinja {', '.join(allowed)}"


def test_org_template_cannot_read_the_environment(tmp_path, monkeypatch) -> None:
    """The CVE-2025-27516 template: on Jinja 3.1.5 it renders the client secret into the
    agenda (and so into every invite); the sandbox must refuse it."""
    monkeypatch.setenv("ONETOONE_MICROSOFT_CLIENT_SECRET", "s3cr3t-value")
    (tmp_path / "agenda.html.j2").write_text(
        "{{ markers.start }}\n"
        '<p>{{ ("{0.__globals__[os].environ[ONETOONE_MICROSOFT_CLIENT_SECRET]}"'
        '|attr("format"))(lipsum) }}</p>\n'
        "{{ markers.end }}\n", encoding="utf-8")
    with pytest.raises(SecurityError):
        render("agenda.html.j2", str(tmp_path), markers=MARKERS)
