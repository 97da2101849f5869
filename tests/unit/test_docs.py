"""The docs site: its generated reference covers every key and command, it builds strictly,
and README's links lead somewhere."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from service.config import KEYS

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("onetoone_docs_hooks", DOCS / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hooks = _hooks()


def test_configuration_reference_lists_every_key_with_its_env_and_default() -> None:
    """One table row per key, in the table's order, naming its section, key and variable."""
    rows = [line for line in hooks.config_reference().splitlines() if line.startswith("| `")]
    assert len(rows) == len(KEYS)
    for row, key in zip(rows, KEYS, strict=True):
        assert row.startswith(f"| `{key.section}` | `{key.key}` | ")
        assert f"`{key.env}`" in row
        if key.secret:
            assert "environment only" in row


def test_command_line_reference_covers_every_command_and_option() -> None:
    """Every command in click's tree has a section with its usage and every option's name."""
    text = hooks.cli_reference()
    commands = list(hooks.walk(hooks.root_command()))
    assert len(commands) > 10
    for ctx, command in commands:
        assert f"### `{ctx.command_path}`" in text
        for param in command.get_params(ctx):
            if getattr(param, "hidden", False) or param.param_type_name != "option":
                continue
            assert all(opt in text for opt in param.opts), (ctx.command_path, param.opts)


def test_reference_pages_ask_for_the_generated_tables() -> None:
    """The hook writes the tables into the pages that carry its markers."""
    config_page = (DOCS / "reference" / "configuration.md").read_text(encoding="utf-8")
    cli_page = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    assert hooks.CONFIG_MARKER in config_page
    assert hooks.CLI_MARKER in cli_page
    written = hooks.on_page_markdown(config_page)
    assert hooks.CONFIG_MARKER not in written
    assert f"`{KEYS[0].env}`" in written
    written = hooks.on_page_markdown(cli_page)
    assert hooks.CLI_MARKER not in written
    assert "### `onetoone tick`" in written


def test_site_builds_strictly_with_the_generated_reference(tmp_path: Path) -> None:
    """`mkdocs build --strict` passes (no broken link or anchor) and the built reference pages
    name every key's environment variable and every command."""
    pytest.importorskip("mkdocs")
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(site)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    config_html = (site / "reference" / "configuration" / "index.html").read_text("utf-8")
    for key in KEYS:
        assert key.env in config_html
    cli_html = (site / "reference" / "cli" / "index.html").read_text("utf-8")
    for ctx, _ in hooks.walk(hooks.root_command()):
        assert ctx.command_path in cli_html


def test_readme_links_lead_to_files_that_exist() -> None:
    """README is the front page: each relative link (and image) points at a file in the repo,
    and each link into a docs page names an anchor that page has."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert targets
    for target in targets:
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        path, _, anchor = target.partition("#")
        assert (REPO / path).exists(), target
        if anchor and path.endswith(".md"):
            page = (REPO / path).read_text(encoding="utf-8")
            headings = [_slug(h) for h in re.findall(r"^#+ (.+)$", page, re.M)]
            assert anchor in headings, target


def test_readme_keeps_its_test_command_and_the_sections_others_point_to() -> None:
    """CI runs README's test command; error messages and deploy files cite these sections."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert 'pip install -e ".[test]" && python -m pytest\n' in readme
    assert "python -m pytest tests/unit" in readme
    for heading in ("Scoping mailbox access", "Configuration reference", "Quick start"):
        assert re.search(rf"^#+ {heading}$", readme, re.M), heading
    for image in ("docs/img/agenda.png", "docs/img/summary.png"):
        assert image in readme and (REPO / image).stat().st_size > 10_000


def _slug(heading: str) -> str:
    """The anchor Python-Markdown's toc gives a heading (close enough for our headings)."""
    text = re.sub(r"[`*_]", "", heading).strip().lower()
    text = re.sub(r"[^\w\s-]", "", text)
    return re.sub(r"[-\s]+", "-", text).strip("-")


def test_no_page_restarts_the_compose_worker_to_apply_a_change() -> None:
    """`docker compose restart` starts the same container again, with the environment it was
    created with (Docker's reference says so): a client secret rotated in onetoone.env, or
    an ONETOONE_* setting changed there, would go on unread, and the worker fail sign-in
    once the old secret is deleted. Recreating it (`docker compose up -d --force-recreate`)
    reads both the environment and the mounted onetoone.toml again."""
    pages = [REPO / "README.md", *DOCS.rglob("*.md"), *(REPO / "deploy").rglob("*")]
    for page in pages:
        if page.is_file():
            text = page.read_text(encoding="utf-8")
            assert not re.search(r"docker[ -]compose restart", text), page


def test_every_grant_list_names_the_permissions_group_and_topics_settings_need() -> None:
    """A first real run follows one of the guide's lists of what to consent. Exchange RBAC
    for Applications grants mailbox permissions only (Microsoft's "Role Based Access Control
    for Applications in Exchange Online" lists Mail.*, Calendars.*, Contacts.* and
    MailboxSettings.* roles), so GroupMember.Read.All, which a group's transitiveMembers
    needs, is consented in Entra ID even in the scoped set-up: a list that says to consent
    only User.Read.All there, or a tenant-wide list of "the" permissions, without it (or
    without Mail.ReadWrite for [mail] topics_mailbox) leaves every group or Inbox read
    refused (403) on the first run."""
    admin = DOCS / "admin"
    for page in (admin / "entra-app.md", admin / "entra-app-registration.md"):
        for paragraph in page.read_text(encoding="utf-8").split("\n\n"):
            flat = re.sub(r"[*`]", "", paragraph)
            if re.search(r"\bonly User\.Read\.All\b", flat):
                assert "GroupMember.Read.All" in flat, (page.name, paragraph)
            if re.search(r"\bModel [AB]\b", flat) and "Add " in flat:
                assert "GroupMember.Read.All" in flat, (page.name, paragraph)
                assert "Mail.ReadWrite" in flat, (page.name, paragraph)
