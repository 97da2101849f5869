"""Hostile text fuzzed through parse, fingerprint, render and store (issue 9's done-when).

Generated inputs hold lone surrogates, NUL, bare CRs, bidi controls, the block's marker
words and tick words. Each is cleaned at the edge (``clean_text``, as Graph bodies, mail and
CSV are), then used as a report's topic, an action's owner and text, and a line the manager
typed, and pushed through the agenda render -> Exchange's text view -> block finder ->
notes parser -> fingerprint loop, and the summary render. Invariants: no exception; an
untouched agenda reads back as nothing at all (no note, no tick, no action: no state
change from text the manager did not type); every line the manager typed comes back.
The same inputs written as HTML character references (``&#x202E;``), which only decoding
the HTML turns into characters, after the edge, decode to nothing the edge would remove.

The pure loop runs ``FUZZ_CASES`` inputs (10**5 by default) from a seeded generator
(``ONETOONE_FUZZ_SEED`` to replay one; the seed is printed); a few thousand go through
the store on SQLite and PostgreSQL, written in few transactions and read back.
"""

from __future__ import annotations

import os
import random
import re
from datetime import date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

import pytest

from service.domain.agenda import AgendaPolicy, OpenAction, Topic, build_agenda
from service.domain.body import MARKERS, block_text, fingerprint, replace_block
from service.domain.htmltext import html_to_text
from service.domain.notes import action_fingerprint, parse_block
from service.domain.questions import Question
from service.domain.text import clean_text
from service.render import render
from service.store.db import make_engine
from service.store.repo import Store

FUZZ_CASES = int(os.environ.get("ONETOONE_FUZZ_CASES", "100000"))
STORE_CASES = 3000
PER_AGENDA = 250  # inputs per rendered agenda: one render serves many cases
SEED = int(os.environ.get("ONETOONE_FUZZ_SEED", str(random.SystemRandom().randrange(2**32))))
MEETING = datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Europe/London"))
MANAGER, REPORT = "Sam Smith", "Alex Jones"

PIECES = [
    "\ud83d", "\udca9", "\ud800\udc00", "\x00", "\r", "\r\n", "\n", "\u202e", "\u2066",
    "\u200f", "\u200b", "\ufeff", "\u00a0", "\t", "😀", "é", "e\u0301", "<b>", "&amp;", "\"",
    "onetoone agenda ends", "onetoone agenda starts", MARKERS.end, MARKERS.start,
    "ONETOONE\u00a0AGENDA\u00a0ENDS", "[x]", "[ ]", "[X]", "☑", "✓", "✅", "~~", "done",
    "Done", "finished", "complete", "completed", "closed", "(#1)", "(#2)", "(#999)",
    "(topic #1)", "(topic #7)", "x", "–", "—", " - ", ":", "Action:", "TODO:",
    "For example:", "Notes", "Actions agreed", "Sam:", "Alex to", "by Friday", "12 Dec",
    "{{ x }}", "{% raw %}", "%s", "\\", "_" * 30,
]
WORDS = ["budget", "plan", "rota", "review", "Leeds", "hiring", "course", "deck", "Q1"]


def hostile(rng: random.Random) -> str:
    """One raw input as it might arrive from outside (before the edge cleans it)."""
    parts = [rng.choice(PIECES) if rng.random() < 0.6 else rng.choice(WORDS)
             for _ in range(rng.randint(1, 8))]
    return rng.choice(["", " "]).join(parts)


def one_line(text: str, cap: int) -> str:
    """As a topic or action arrives: one line, not empty (the edge has cleaned it)."""
    return " ".join(text.split())[:cap] or "empty"


def agenda_block(topics: list[str], actions: list[OpenAction], manager: str, report: str,
                 question: str) -> str:
    agenda = build_agenda(
        meeting_start=MEETING, manager_name=manager, report_name=report,
        topics=[Topic(100 + i, text, "report" if i % 4 else "manager", date(2026, 11, 20),
                      carried=i % 3) for i, text in enumerate(topics)],
        open_actions=actions, meeting_number=3, last_development_on=None,
        policy=AgendaPolicy(), question=Question("q", "work", question))
    return render("agenda.html.j2", agenda=agenda, markers=MARKERS)


def type_notes(html: str, lines: list[str]) -> str:
    paras = "".join(f'<p style="margin:0;">{escape(line)}</p>' for line in lines)
    return re.sub(r'(id="onetoone-notes"[^>]*>)', lambda m: m.group(1) + paras, html)


def outlook_text(html: str) -> str:
    body = (f"<html><body><p>Room 4</p>{html}<div>{'_' * 80}</div>"
            "<div>Microsoft Teams meeting</div></body></html>")
    return html_to_text(body)


def check_batch(rng: random.Random, raw: list[str]) -> None:
    cleaned = [clean_text(r)[0] for r in raw]
    for text in cleaned:
        text.encode("utf-8")  # storable and hashable
        assert "\x00" not in text and "\r" not in text
    topics = [one_line(t, 300) for t in cleaned]
    actions = [OpenAction(i + 1, one_line(cleaned[i], 60), one_line(cleaned[-i - 1], 300),
                          rng.choice([None, date(2026, 12, 1), date(2027, 1, 5)]),
                          date(2026, 11, 1), i % 3)
               for i in range(min(12, len(cleaned)))]
    manager = f"Sam {one_line(cleaned[0], 40)}"
    report = f"Alex {one_line(cleaned[-1], 40)}"
    html = agenda_block(topics, actions, manager, report, one_line(cleaned[1], 200))
    template = html_to_text(html)

    def read(text: str):
        inner = block_text(text)
        assert inner is not None
        fingerprint(inner)
        return parse_block(inner, actions, meeting_date=MEETING.date(), manager_name=manager,
                           report_name=report, template=template)

    # Untouched: the report's words and the names change nothing.
    untouched = read(outlook_text(html))
    assert (untouched.notes, untouched.new_actions, untouched.closed_ids,
            untouched.topics_discussed, untouched.missing_ids) == ([], [], set(), set(),
                                                                  set()), raw
    # The manager types each input as a note, between words of their own: every line is
    # read back and still nothing is ticked (markers are taken out: a manager who types
    # "(#1) done" does close #1).
    typed = [f"n{i} {line} e{i}" for i, text in enumerate(cleaned)
             for line in [" ".join(text.replace("#", "No.").split())]]
    after = read(outlook_text(type_notes(html, typed)))
    assert after.closed_ids == set() and after.topics_discussed == set(), raw
    pool = " ".join(after.notes + [a.line for a in after.new_actions])
    for i in range(len(typed)):
        assert f"n{i} " in pool and f" e{i}" in pool, (raw[i], after.notes)
    # The block is replaced in place inside a body, without touching the rest.
    body = f"<html><body><p>Room 4</p>{html}<p>Teams</p></body></html>"
    assert replace_block(body, html) == body


def test_fuzz_parse_fingerprint_render() -> None:
    print(f"fuzz seed {SEED} ({FUZZ_CASES} cases)")
    rng = random.Random(SEED)
    done = 0
    while done < FUZZ_CASES:
        raw = [hostile(rng) for _ in range(min(PER_AGENDA, FUZZ_CASES - done))]
        check_batch(rng, [*raw, "pad", "pad"] if len(raw) < 2 else raw)
        done += len(raw)
    # the summary template takes the same text
    cleaned = [one_line(clean_text(hostile(rng))[0], 300) for _ in range(200)]
    summary = render("summary.html.j2", s={
        "report_first": cleaned[0], "manager_first": cleaned[1], "when": "8 Dec",
        "notes": cleaned, "next_meeting": None, "still_open": [], "closed": [],
        "topics_address": "onetoone+0123456789@contoso.example", "replies_kept": True,
        "more_notes": cleaned[2], "more_open": cleaned[3], "more_agreed": cleaned[4],
        "agreed": [{"owner": c[:60], "text": c, "due": None, "done": i % 2 == 0}
                   for i, c in enumerate(cleaned)]})
    assert "<script" not in summary and "\x00" not in summary


def as_references(rng: random.Random, text: str) -> str:
    """``text`` as an HTML mail may write it: markup escaped, and each character outside
    printable ASCII as a character reference of some kind (hex, decimal, zero-padded)."""
    def ref(c: str) -> str:
        if c.isascii() and c.isprintable():
            return escape(c)
        n = ord(c)
        return rng.choice([f"&#x{n:x};", f"&#X{n:X};", f"&#{n};", f"&#{n:07d};"])
    return "".join(map(ref, text))


def test_fuzz_character_references() -> None:
    """The same inputs written as character references in a mail's or meeting's HTML
    (``&#x202E;``, ``&#8238;``): decoded, they hold nothing the edge would have removed
    (no bidi override, no control but tab), however they were written."""
    rng = random.Random(SEED)
    for _ in range(min(FUZZ_CASES, 5000)):
        raw = hostile(rng)
        html = f"<p>{as_references(rng, raw)}</p><pre>{as_references(rng, raw)}</pre>"
        for text in (html_to_text(html), html_to_text(html, rows=True)):
            assert clean_text(text.replace("\r\n", "\n"))[0] == text.replace("\r\n", "\n"), raw


@pytest.fixture
def store(db_url) -> Store:
    return Store(make_engine(db_url))


def test_fuzz_store_round_trip(db_url, settings_for) -> None:
    """A few thousand hostile texts written as topics, notes and actions and read back
    unchanged (after the edge): no database refuses one, and rendering them from the store
    ticks nothing."""
    from tests.integration.test_mail import Scenario

    print(f"fuzz seed {SEED} ({STORE_CASES} store cases)")
    rng = random.Random(SEED)
    scenario = Scenario(settings_for(db_url))
    store, pid, occ = scenario.store, scenario.rob.pairing.id, scenario.occ
    now = occ.end + timedelta(hours=1)
    texts = [clean_text(hostile(rng))[0] for _ in range(STORE_CASES)]
    store.replace_outlook_notes(pid, occ.id, texts, now)  # one transaction
    assert [n.text for n in store.notes(occ.id)] == texts
    topics = [one_line(t, 300) for t in texts[:STORE_CASES // 10]]
    for text in topics:
        store.add_topic(pid, text, "report", now.date(), now)
    owners = [one_line(t, 60) for t in texts[-STORE_CASES // 20:]]
    # Two generated actions can be the same action once whitespace is folded ("hiring"
    # with "\n" and with "\xa0"): the store keeps the first and refuses the second.
    first: dict[str, int] = {}
    for i, owner in enumerate(owners):
        fp = action_fingerprint(owner, texts[i] or "x", None)
        added = store.add_action(pairing_id=pid, occurrence_id=occ.id, owner=owner,
                                 text=texts[i] or "x", due=None, raised_on=now.date(),
                                 fingerprint=fp, now=now)
        assert added == (fp not in first)
        first.setdefault(fp, i)
    got = store.open_topics(pid)
    assert [t.text for t in got][-len(topics):] == topics
    stored = [a for a in store.open_actions(pid) if a.raised_occurrence_id == occ.id]
    assert [(a.owner, a.text) for a in stored] == [(owners[i], texts[i] or "x")
                                                   for i in sorted(first.values())]
    # Read back from the store, rendered and parsed: still nothing ticked.
    actions = [OpenAction(a.id, a.owner, a.text, a.due, a.raised_on, a.carried)
               for a in stored[:40]]
    html = agenda_block([t.text for t in got[-100:]], actions, MANAGER, REPORT, "How?")
    parsed = parse_block(block_text(outlook_text(html)) or "", actions,
                         meeting_date=MEETING.date(), manager_name=MANAGER,
                         report_name=REPORT, template=html_to_text(html))
    assert (parsed.notes, parsed.closed_ids, parsed.topics_discussed) == ([], set(), set())
