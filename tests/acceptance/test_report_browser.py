"""The report's pages in a real browser (issue 13): headless Chromium (Debian's package)
opens each page from a file with the network cut off, takes a screenshot, and the page must
render without a console message; every chart must carry its numbers as text too."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from service.domain.insight import Period
from service.domain.records import (
    ActionRecord,
    OccurrenceRecord,
    PairingRecord,
    PairingView,
    PersonRecord,
    TopicRecord,
)
from service.insight.report import History, build, render_files

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = os.environ.get("ONETOONE_TEST_REQUIRE_CHROMIUM") == "1"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", "--disable-component-update", "--disable-sync",
         # No page may fetch anything: an external asset becomes a console error.
         "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0")
CONSOLE = re.compile(r":CONSOLE[:(]")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not REQUIRED,
    reason="/usr/bin/chromium is absent (apt-get install chromium; .ci/run installs it and "
           "sets ONETOONE_TEST_REQUIRE_CHROMIUM=1 so CI never skips this)")

START = datetime(2026, 1, 1, tzinfo=UTC)


def _person(pid: str, name: str) -> PersonRecord:
    return PersonRecord(id=pid, email=f"{pid}@contoso.example", name=name)


def histories() -> list[History]:
    """Seven pairs under one leader, six months of fortnightly meetings, some missed."""
    lea = _person("lea", "Lea <Leader> & Co")  # markup in a name must stay text
    mia = _person("mia", "Mia Manager")
    out = [History(PairingView(PairingRecord(id=1, key="k1", manager_id="lea",
                                             report_id="mia", cadence="fortnightly"),
                               lea, mia, None), [], [], [])]
    statuses = ("held", "held", "cancelled", "held_no_notes", "declined", "held")
    for n in range(6):
        report = _person(f"r{n}", f"Report {n}")
        pairing = PairingRecord(id=n + 2, key=f"k{n + 2}", manager_id="mia",
                                report_id=report.id, cadence="fortnightly")
        occs = []
        for i in range(13):
            start = START + timedelta(days=14 * i + n)
            occs.append(OccurrenceRecord(
                id=100 * n + i, series_id=n, event_id=f"e{n}-{i}", original_start=start,
                start=start + timedelta(days=1 if i == 5 else 0), end=start + timedelta(hours=1),
                status=statuses[(i + n) % len(statuses)], covers_development=i % 3 == 0))
        actions = [ActionRecord(id=n, pairing_id=n + 2, owner=report.name, text="draft",
                                due=date(2026, 2, 1), status="open", carried=1,
                                raised_on=date(2026, 1, 10), raised_occurrence_id=None,
                                closed_occurrence_id=None, fingerprint="f",
                                created_at=START, closed_at=None)]
        topics = [TopicRecord(id=n, pairing_id=n + 2, text="t", by="report",
                              raised_on=date(2026, 2, 1), status="open", carried=0,
                              discussed_occurrence_id=None, source_message_id=None,
                              created_at=START)]
        out.append(History(PairingView(pairing, mia, report, None), occs, actions, topics))
    return out


def chromium(url: str, tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    return subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *extra, url],
                          capture_output=True, text=True, timeout=120, check=False)


class Charts(HTMLParser):
    """Each <svg>: whether it has a <title>, and each mark group's title and visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.svgs: list[dict[str, list[str]]] = []
        self.path: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.path.append(tag)
        if tag == "svg":
            self.svgs.append({"titles": [], "texts": [], "marks": []})
        if tag == "g" and self.svgs:
            self.svgs[-1]["marks"].append("")

    def handle_endtag(self, tag: str) -> None:
        while self.path and self.path.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if "svg" not in self.path or not data.strip():
            return
        svg = self.svgs[-1]
        kind = self.path[-1]
        if kind == "title":
            svg["titles"].append(data.strip())
        elif kind == "text":
            svg["texts"].append(data.strip())
        if "g" in self.path and svg["marks"]:
            svg["marks"][-1] += f"{kind}={data.strip()};"


def test_console_capture_catches_an_error(tmp_path: Path) -> None:
    """The detector itself: a page that logs an error is caught."""
    page = tmp_path / "bad.html"
    page.write_text('<!doctype html><p>x</p><script>console.error("boom")</script>')
    result = chromium(page.as_uri(), tmp_path, "--dump-dom")
    assert CONSOLE.search(result.stderr) and "boom" in result.stderr


def test_report_pages_render_cleanly_with_numbers_as_text(tmp_path: Path) -> None:
    period = Period(date(2026, 1, 1), date(2026, 7, 1), datetime(2026, 7, 1, tzinfo=UTC))
    report = build(histories(), period, min_group_size=5)
    site = tmp_path / "site"
    site.mkdir()
    for name, content in render_files(report, "html", "2026-07-01 00:00 UTC").items():
        (site / name).write_text(content, encoding="utf-8")
    for page in sorted(site.iterdir()):
        shot = tmp_path / f"{page.stem}.png"
        result = chromium(page.as_uri(), tmp_path, f"--screenshot={shot}",
                          "--window-size=1400,1800")
        assert result.returncode == 0, result.stderr[-2000:]
        assert not CONSOLE.search(result.stderr), (page.name, result.stderr[-2000:])
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5000
        dom = chromium(page.as_uri(), tmp_path, "--dump-dom")
        assert not CONSOLE.search(dom.stderr), (page.name, dom.stderr[-2000:])
        assert "</table>" in dom.stdout and "<script" not in dom.stdout
        assert "Lea &lt;Leader&gt; &amp; Co" in dom.stdout or page.name != "groups.html"
        charts = Charts()
        charts.feed(dom.stdout)
        for svg in charts.svgs:
            assert svg["titles"], page.name  # the chart is named for a screen reader
            assert svg["marks"], page.name
            for mark in svg["marks"]:
                # every bar and cell carries its figure as a <title> and as visible text
                assert "title=" in mark and "text=" in mark, mark
                figure = mark.split("text=")[1].split(";")[0]
                assert figure == "–" or figure.split("/")[0] in mark.split("text=")[0]
        if page.name == "index.html":
            assert len(charts.svgs) == 2
            bars = charts.svgs[0]["marks"]
            held = sum(int(m.split("text=")[1].split(";")[0]) for m in bars if " held" in m)
            assert held == report.total.held > 0
            # and the month chart's figures are in a table as well
            for month, count in report.total.held_by_month.items():
                assert re.search(rf"<td>{month}</td><td>{count}</td>", dom.stdout), month
