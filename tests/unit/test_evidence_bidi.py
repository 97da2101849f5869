"""The evidence record sets each piece of outside text (names, topics, actions, subjects,
comments) apart from our own words on its line: a right-to-left name, or a bidi control in
one (U+202E reverses what follows it), cannot carry "(manager) & ... (report)" or an action's
dates into its own order. In a browser's layout "Mia\u202e (manager) & Rob (report)" reads as
"Mia (troper) boR & (reganam)"; in its own <bdi> the reversal stops at the name's end."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from service.domain.insight import Period
from service.insight.evidence import (
    ActionAsRead,
    ActionLine,
    Evidence,
    Mailed,
    Meeting,
    NoteVersion,
    PairRecord,
    render_html,
)

RLO = "\u202e"
MANAGER = f"Mia{RLO} <i>x</i>"
REPORT = "רון כהן"  # (Hebrew: right to left)
OWNER = f"{RLO}Eve"
OUTSIDE = {
    "manager": MANAGER, "report": REPORT, "topic": f"pay {RLO}review",
    "action owner": OWNER, "action text": f"send {RLO}the plan", "subject": f"1-2-1 {RLO}notes",
    "comment": f"{RLO}thanks", "raised": f"{RLO}a raise", "as read": f"the {RLO}plan",
}


def _record() -> str:
    note = NoteVersion("as first read 2026-03-04 14:40 GMT", False, f"{RLO}we talked",
                       (ActionAsRead(OWNER, OUTSIDE["as read"], date(2026, 3, 20), True),),
                       False)
    meeting = Meeting("2026-03-04 14:00 GMT", "held", (OUTSIDE["topic"],), (note,),
                      (Mailed("summary", OUTSIDE["subject"], "sent", "2026-03-04 16:00 GMT",
                              f"{RLO}body"),),
                      (ActionLine(OUTSIDE["action owner"], OUTSIDE["action text"],
                                  ("agreed 2026-03-04",)),),
                      (("2026-03-05 09:00 GMT", OUTSIDE["comment"]),
                       ("2026-03-06 09:00 GMT", "")))  # (erased)
    pair = PairRecord("as report", MANAGER, REPORT, (meeting,),
                      (("2026-03-01", OUTSIDE["raised"], "covered 2026-03-04"),), 0)
    period = Period(date(2026, 1, 1), date(2026, 7, 1), datetime(2026, 8, 1, tzinfo=UTC))
    return render_html(Evidence(REPORT, "ron@x.test", period, False, False,
                                "2026-08-01 09:00 GMT", (pair,)))


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_each_piece_of_outside_text_is_set_apart_from_our_words() -> None:
    html = _record()
    for what, text in OUTSIDE.items():
        shown = _escaped(text)
        places = [m.start() for m in re.finditer(re.escape(shown), html)]
        assert places, (what, html)
        for at in places:
            before, after = html[:at], html[at + len(shown):]
            # (The report's name in the page's title, where no markup goes: isolate marks.)
            assert ((before.endswith("<bdi>") and after.startswith("</bdi>"))
                    or (before.endswith("\u2068") and after.startswith("\u2069"))), (
                what, html[max(0, at - 40):at + len(shown) + 40])


def test_our_words_stay_outside_and_markup_in_a_name_stays_text() -> None:
    html = _record()
    assert ("<h2><bdi>Mia\u202e &lt;i&gt;x&lt;/i&gt;</bdi> (manager) &amp; "
            "<bdi>רון כהן</bdi> (report) – as report</h2>") in html
    assert "<i>x</i>" not in html
    assert f"<li><bdi>{OWNER}</bdi>: <bdi>the {RLO}plan</bdi> (due 2026-03-20) [done]</li>" in html
    assert f"<title>1-2-1 record: \u2068{REPORT}\u2069 – " in html
    # Our own words for what is gone are not set apart.
    assert "<li>2026-03-06 09:00 GMT: (erased)</li>" in html
