"""`onetoone evidence` keeps what is not tied to a meeting: notes and actions added with
`notes add` before the pair's first meeting are in the record (a section per pair, dated by
when they were added, in --from/--to by that date), private ones only with
--include-private, and `forget` erases them. So are mail about no meeting (the service's
replies to mailed-in topics and notes, dated by when queued) and the report's comments on
no meeting of the pair. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from service.cli import cli
from service.domain.records import PersonUpdate, SeriesRecord
from service.store.db import make_engine, upgrade
from service.store.models import OccurrenceRow
from service.store.repo import Store

ROB = "r@x.test"
ADDED = datetime(2027, 2, 10, 14, 30, tzinfo=UTC)  # before the pair's first meeting
MEETING = datetime(2027, 3, 2, 10, tzinfo=UTC)


def pair(db_url: str) -> tuple[Store, int]:
    """Mia (manager) and Rob (report): a pair with no series and no meeting yet."""
    engine = make_engine(db_url)
    upgrade(engine)
    store = Store(engine)
    store.upsert_people([PersonUpdate("m", "m@x.test", "Mia", None, True),
                         PersonUpdate("r", ROB, "Rob", None, False)], ADDED)
    p = store.upsert_pairing(key="p", manager_id="m", report_id="r", cadence="monthly",
                             minutes=30, reason="", source="directory", now=ADDED)
    return store, p.id


def first_meeting(store: Store, pairing_id: int) -> int:
    """The pair's first meeting, held, after the pair-level notes were added."""
    series = store.begin_series(SeriesRecord(
        pairing_id=pairing_id, mailbox="m", transaction_id="t", cadence="monthly",
        minutes=30, weekday=1, start_time="10:00", time_zone="Europe/London",
        first_date=MEETING.date(), range_end=date(2027, 12, 1), created_at=ADDED,
        updated_at=ADDED))
    with store.session() as s, s.begin():
        occ = OccurrenceRow(series_id=series.id, event_id="e0", original_start=MEETING,
                            start=MEETING, end=MEETING + timedelta(minutes=30),
                            status="held", updated_at=MEETING)
        s.add(occ)
        s.flush()
        return occ.id


def pair_level(store: Store, pairing_id: int, at: datetime = ADDED) -> None:
    """What `notes add` stores with no meeting yet: a shared note, an action, a private
    note."""
    store.add_note(pairing_id, None, "PAIRLEVEL-CANARY", private=False, now=at)
    store.add_action(pairing_id=pairing_id, occurrence_id=None, owner="Rob", text="fix Y",
                     due=date(2027, 2, 28), raised_on=at.date(), fingerprint="cli:fix-y",
                     now=at)
    store.add_note(pairing_id, None, "PRIVATE-CANARY", private=True,
                   now=at + timedelta(minutes=1))


def evidence(db_url: str, tmp_path: Path, start: str, end: str, *extra: str
             ) -> tuple[str, str]:
    """The record's HTML and what the command said, as the admin runs it."""
    path = tmp_path / f"rob-{start}-{end}-{len(extra)}.html"
    result = CliRunner().invoke(cli, ["evidence", ROB, "--from", start, "--to", end,
                                      "--now", "2027-06-01T09:00:00Z", "--out", str(path),
                                      *extra],
                                env={"ONETOONE_DATABASE_URL": db_url, "ONETOONE_CONFIG": ""},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return path.read_text(), " ".join(result.output.split())  # as one line: rich wraps


def test_pair_level_note_and_action_are_in_the_record(db_url: str, tmp_path: Path) -> None:
    """With no meeting at all, the note and the action are in the record, dated by when they
    were added; the private note only with --include-private; the command counts them."""
    store, pid = pair(db_url)
    pair_level(store, pid)
    plain, said = evidence(db_url, tmp_path, "2027-01-01", "2028-01-01")
    assert "0 meeting(s); 2 item(s) (notes, actions, mail, comments) not tied to a meeting" in said
    section = plain[plain.index("Not tied to a meeting"):]
    assert "PAIRLEVEL-CANARY" in section
    assert "added with `onetoone notes add` 2027-02-10 14:30" in section
    assert ("<bdi>Rob</bdi>: <bdi>fix Y</bdi> – added 2027-02-10 14:30 UTC, not at a meeting,"
            " due 2027-02-28") in section and "still open" in section
    assert "PRIVATE-CANARY" not in plain
    full, said = evidence(db_url, tmp_path, "2027-01-01", "2028-01-01", "--include-private")
    assert "3 item(s) (notes, actions, mail, comments) not tied to a meeting" in said
    assert "PAIRLEVEL-CANARY" in full and "Notes (private) added with" in full
    assert full.index("PAIRLEVEL-CANARY") < full.index("PRIVATE-CANARY")  # by when added


@pytest.mark.parametrize(("start", "end", "shown"), [
    ("2027-02-10", "2027-02-11", True),  # the day it was added
    ("2027-02-11", "2028-01-01", False),  # from the day after
    ("2027-01-01", "2027-02-10", False),  # up to it, not included
])
def test_pair_level_items_are_in_the_period_by_when_they_were_added(
        db_url: str, tmp_path: Path, start: str, end: str, shown: bool) -> None:
    store, pid = pair(db_url)
    pair_level(store, pid)
    html, _ = evidence(db_url, tmp_path, start, end, "--include-private")
    for words in ("Not tied to a meeting", "PAIRLEVEL-CANARY", "fix Y", "PRIVATE-CANARY"):
        assert (words in html) is shown, words


def test_pair_level_items_stay_once_the_pair_has_meetings(db_url: str,
                                                         tmp_path: Path) -> None:
    """Added before the first meeting, they stay apart from it (not moved onto it), and the
    meeting's own notes and actions stay with the meeting."""
    store, pid = pair(db_url)
    pair_level(store, pid)
    occ = first_meeting(store, pid)
    store.add_note(pid, occ, "MEETING-NOTE", private=False, now=MEETING + timedelta(hours=1))
    store.add_action(pairing_id=pid, occurrence_id=occ, owner="Mia", text="book training",
                     due=None, raised_on=MEETING.date(), fingerprint="cli:training",
                     now=MEETING + timedelta(hours=1))
    html, said = evidence(db_url, tmp_path, "2027-01-01", "2028-01-01")
    assert "1 meeting(s); 2 item(s) (notes, actions, mail, comments) not tied to a meeting" in said
    meeting, loose = html.split("Not tied to a meeting")
    assert "MEETING-NOTE" in meeting and "book training" in meeting
    assert "PAIRLEVEL-CANARY" in loose and "fix Y" in loose
    assert "MEETING-NOTE" not in loose and "PAIRLEVEL-CANARY" not in meeting


def test_forget_erases_pair_level_items(db_url: str, tmp_path: Path) -> None:
    """`forget` erases them like a meeting's: the record shows them erased, no words."""
    store, pid = pair(db_url)
    pair_level(store, pid)
    erased = store.forget_person("r", ADDED + timedelta(days=1))
    assert erased["notes"] == 2 and erased["actions"] == 1
    html, said = evidence(db_url, tmp_path, "2027-01-01", "2028-01-01", "--include-private")
    assert "3 item(s) (notes, actions, mail, comments) not tied to a meeting" in said
    for words in ("PAIRLEVEL-CANARY", "PRIVATE-CANARY", "fix Y"):
        assert words not in html
    assert "3 item(s) in this period were erased" in html
    assert html.count("(erased)") == 4  # two notes, the action's owner and its text


def test_notes_add_before_any_meeting_reaches_the_record(db_url: str, tmp_path: Path) -> None:
    """End to end, as the operator found it: `notes add` on a pair with no meeting, then
    `evidence` over a period around today (the command dates the note by the clock)."""
    pair(db_url)
    env = {"ONETOONE_DATABASE_URL": db_url, "ONETOONE_CONFIG": ""}
    added = CliRunner().invoke(cli, ["notes", "add", ROB], env=env,
                               input="PAIRLEVEL-CANARY\nAction: Rob: fix Y by 30 Dec\n")
    assert added.exit_code == 0, added.output
    assert "for the pair (no meeting yet); 1 action(s) added" in added.output
    today = datetime.now(UTC).date()
    html, _ = evidence(db_url, tmp_path, f"{today - timedelta(days=2)}",
                       f"{today + timedelta(days=2)}")
    section = html[html.index("Not tied to a meeting"):]
    assert "PAIRLEVEL-CANARY" in section and "<bdi>Rob</bdi>: <bdi>fix Y</bdi>" in section


def test_pdf_has_the_pair_level_section(db_url: str) -> None:
    """The PDF is rendered from its own template: it has the section too, and lays out."""
    from service.domain.insight import Period
    from service.insight.evidence import PairInput, build, render_pdf
    from service.render import render
    from service.store.insight import InsightReader

    store, pid = pair(db_url)
    pair_level(store, pid)
    reader = InsightReader(store.engine)
    (history,) = reader.histories(store.views())
    record = build(("Rob", ROB, "UTC"), [("as report", PairInput(
        history.view, history.occurrences, history.actions, history.topics,
        reader.pair_notes(pid, include_private=False), reader.pair_mail(pid)))],
        Period(date(2027, 1, 1), date(2028, 1, 1), ADDED), include_private=False,
        as_manager=False, generated="now")
    html = render("evidence_pdf.html.j2", e=record)
    section = html[html.index("Not tied to a meeting"):]
    assert "PAIRLEVEL-CANARY" in section and "Action: Rob: fix Y" in section
    assert render_pdf(record).startswith(b"%PDF")


# -- mail and comments of no meeting ------------------------------------------------------


def _mail_world(db_url: str, settings_for: Any) -> Any:
    from tests.integration.test_mail_replies import World

    return World(settings_for(db_url))


def _mail_evidence(world: Any, tmp_path: Path, start: str, end: str, *extra: str) -> str:
    path = tmp_path / f"rob-mail-{start}-{end}-{len(extra)}.html"
    result = CliRunner().invoke(
        cli, ["evidence", "rob@contoso.example", "--from", start, "--to", end, "--now",
              "2027-06-01T09:00:00Z", "--out", str(path), "--force", *extra],
        env={"ONETOONE_DATABASE_URL": world.settings.database.url, "ONETOONE_CONFIG": ""},
        catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return path.read_text()


def test_the_services_replies_to_mailed_in_topics_and_notes_are_in_the_record(
        db_url: str, settings_for: Any, tmp_path: Path) -> None:
    """End to end through the service mailbox: Rob's topics (a reply to the prep mail) and
    his comment on the summary each get an automatic reply, which names no meeting; they
    are in the record, dated by when queued and sent, in the period by when queued. Mia's
    private note's reply only with --include-private: it says there is one."""
    from service.domain.topics import private_address
    from service.sandbox.mail import compose, reply
    from service.store.insight import InsightReader
    from tests.integration.test_mail_replies import (
        BOX,
        MIA,
        PREP_DAY,
        ROB,
        held_meeting_with_summary,
    )

    world = _mail_world(db_url, settings_for)
    world.at(PREP_DAY)
    reply(world.tenant, ROB, world.prep(), "TOPIC-CANARY workload")
    topics_at = PREP_DAY + timedelta(hours=1)
    world.at(topics_at)
    summary = held_meeting_with_summary(world)
    reply(world.tenant, ROB, summary, "COMMENT-CANARY the deadline moved")
    compose(world.tenant, MIA, [private_address(BOX, world.rob.pairing.key)], "Private note",
            "<p>SECRET-CANARY</p>")
    world.at(world.occ.end + timedelta(hours=2))
    mail = InsightReader(world.store.engine).pair_mail(world.rob.pairing.id)
    # The prep mail too: it went before its meeting was stored, so it names none.
    assert {m.kind for m in mail if m.occurrence_id is None} == {
        "prep", "topic_reply", "comment_reply", "private_reply"}

    html = _mail_evidence(world, tmp_path, "2026-11-01", "2027-06-01")
    meetings, loose = html.split("Not tied to a meeting")
    assert "COMMENT-CANARY" in meetings  # the comment itself: with its meeting
    assert f"Mailed (topic_reply, sent, queued {topics_at:%Y-%m-%d %H:%M}" in loose
    assert "TOPIC-CANARY workload" in loose  # the reply lists the topics it took
    assert "Mailed (comment_reply, sent, queued" in loose and "kept with its notes" in loose
    assert "Mailed (prep, sent, queued" in loose and "what would you like" in loose
    assert "private_reply" not in html and "Private note kept" not in html
    full = _mail_evidence(world, tmp_path, "2026-11-01", "2027-06-01", "--include-private")
    loose = full.split("Not tied to a meeting")[1]
    assert "Mailed (private_reply, sent, queued" in loose and "SECRET-CANARY" in full
    assert "SECRET-CANARY" not in loose  # the reply never quotes the note
    # In the period by when queued: a period that ends before the topics came has no reply.
    early = _mail_evidence(world, tmp_path, "2026-11-01", f"{topics_at:%Y-%m-%d}")
    assert "topic_reply" not in early and "TOPIC-CANARY" not in early

    # `forget` erases them (subject and text) as it does a meeting's mail and comments: the
    # record still lists each, shown erased, and counts them.
    before = _erased_count(html)
    world.store.forget_person(world.rob.report.id, world.occ.end + timedelta(days=1))
    after = _mail_evidence(world, tmp_path, "2026-11-01", "2027-06-01", "--include-private")
    for words in ("TOPIC-CANARY", "COMMENT-CANARY", "SECRET-CANARY", "kept with its notes",
                  "Private note kept"):
        assert words not in after, words
    loose = after.split("Not tied to a meeting")[1]
    for kind in ("prep", "topic_reply", "comment_reply", "private_reply"):
        assert f"Mailed ({kind}, sent, queued" in loose
    assert loose.count(": (erased)</p>") == 4 and loose.count("<pre>(erased)</pre>") == 4
    assert "<bdi>Rob Report</bdi>'s comments:" in after.split("Not tied to a meeting")[0]
    assert _erased_count(after) > before


def _erased_count(html: str) -> int:
    marker = " item(s) in this period were erased"
    return int(html[:html.index(marker)].rsplit(">", 1)[1]) if marker in html else 0


def test_comments_on_no_meeting_of_the_pair_are_in_the_record(db_url: str) -> None:
    """A comment whose meeting is none of the pair's (none given, or another pair's) is in
    the section, dated by when it came and in the period by that; an erased one shows as
    erased, here and with a meeting (HTML and PDF)."""
    from service.domain.insight import Period
    from service.insight.evidence import Comment, PairInput, build, render_pdf
    from service.render import render
    from service.store.insight import InsightReader

    store, pid = pair(db_url)
    occ = first_meeting(store, pid)
    reader = InsightReader(store.engine)
    (history,) = reader.histories(store.views())
    at = ADDED + timedelta(days=1)
    comments = [Comment(None, at, "NO-MEETING-CANARY"),
                Comment(occ + 1000, at + timedelta(hours=1), "OTHER-PAIR-CANARY"),
                Comment(None, at + timedelta(hours=2), "[erased]"),
                Comment(occ, MEETING + timedelta(hours=3), "[erased]"),
                Comment(None, datetime(2028, 1, 1, tzinfo=UTC), "LATER-CANARY")]

    def record(start: date, end: date) -> Any:
        return build(("Rob", ROB, "UTC"), [("as report", PairInput(
            history.view, history.occurrences, history.actions, history.topics, [], [],
            comments))], Period(start, end, ADDED), include_private=False, as_manager=False,
            generated="now")

    whole = record(date(2027, 1, 1), date(2028, 1, 1))
    (p,) = whole.pairs
    assert p.unattached_comments == (("2027-02-11 14:30 GMT", "NO-MEETING-CANARY"),
                                     ("2027-02-11 15:30 GMT", "OTHER-PAIR-CANARY"),
                                     ("2027-02-11 16:30 GMT", ""))
    assert p.meetings[0].comments == (("2027-03-02 13:00 GMT", ""),)
    assert p.erased == 2
    for template in ("evidence.html.j2", "evidence_pdf.html.j2"):
        html = render(template, e=whole)
        meeting, loose = html.split("Not tied to a meeting")
        assert "NO-MEETING-CANARY" in loose and "OTHER-PAIR-CANARY" in loose
        assert "16:30 GMT: (erased)" in loose and "13:00 GMT: (erased)" in meeting
        assert "LATER-CANARY" not in html
    assert render_pdf(whole).startswith(b"%PDF")
    assert record(date(2027, 2, 12), date(2028, 1, 1)).pairs[0].unattached_comments == ()
