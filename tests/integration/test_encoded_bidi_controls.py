"""Bidi controls written as HTML character references (hostile review, finding 1).

The edge cleans Graph's JSON, where ``&#x202E;`` is still eight harmless characters; the
HTML of a mail or a meeting is decoded later. A report mailing a topic as
``Pay review &#x202E;fdp.exe`` must not put a RIGHT-TO-LEFT OVERRIDE into the store, the
invites or the acknowledgement (where it would reverse "— Rob, raised … (topic #1)" after
it: the ``exe.pdf`` spoof), and neither may a note typed into the invite's HTML. A topic
written in Hebrew or Arabic reads as written, isolated from onetoone's words around it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from datetime import date, timedelta

from service.app import job_context
from service.jobs.tick import tick
from service.sandbox.mail import compose
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_agenda_loop import START, no_sleep, org

BOX = "onetoone@contoso.example"
# Every bidi embedding, override and isolate, and C0 controls, as references of each kind
# (``&#0;`` is decoded as U+FFFD, as HTML says and browsers show it: harmless, and stored).
CONTROLS = ("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
            "\x01\x08\x0b\x0c\x1b\x1f")


def test_encoded_bidi_controls_never_reach_the_record_or_the_invites(tmp_path,
                                                                   settings_for) -> None:
    """An entity-encoded override in a topic mail and in a note typed into the invite is
    dropped, as the same character sent raw is; a Hebrew topic is kept letter for letter,
    in a <bdi> in the invite, with onetoone's attribution after it unchanged."""
    base = settings_for(f"sqlite:///{tmp_path / 'e.db'}")
    settings = dataclasses.replace(base, mail=dataclasses.replace(base.mail, topics_mailbox=BOX))
    tenant = org()
    tenant.add_user("onetoone service", BOX, hire_date=date(2020, 1, 1))
    store = Store(make_engine(settings.database.url))

    def at(now):
        tenant.now = lambda: now

        async def go():
            async with job_context(settings, now, sandbox=tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                return await tick(ctx, now)
        return asyncio.run(go())

    at(START)
    at(START + timedelta(days=5))
    rob = next(v for v in store.views() if v.report.email == "rob@contoso.example")
    occ = store.pairing_occurrences(rob.pairing.id)[0]
    address = re.search(r"mailto:([^?\"]+)",
                        tenant.person_body("mia@contoso.example", occ.event_id)).group(1)
    later = START + timedelta(days=5, hours=2)
    tenant.now = lambda: later
    refs = "".join(f"&#x{ord(c):X};" if i % 2 else f"&#{ord(c)};"
                   for i, c in enumerate(CONTROLS))
    compose(tenant, "rob@contoso.example", [address], "Topic for our 1-2-1",
            f"<p>Pay review &#x202E;&#8294;fdp.exe{refs}&#0;</p><p>תוכנית העבודה</p>")
    at(later + timedelta(minutes=5))

    topics = sorted(t.text for t in store.open_topics(rob.pairing.id))
    assert topics == ["Pay review fdp.exe \ufffd", "תוכנית העבודה"]
    invite = tenant.person_body("mia@contoso.example", occ.event_id)
    acks = [m["body"]["content"] for m in tenant.messages("rob@contoso.example")
            if "Thanks" in m["body"]["content"]]
    assert acks
    for shown in (invite, *acks):  # the invite as sent to both
        assert not set(CONTROLS + "\x00") & set(shown)
        # The topic is isolated from what follows it: no right-to-left text reorders it.
        assert "<bdi>תוכנית העבודה</bdi>" in shown
    assert re.search(r"\[ \] <bdi>תוכנית העבודה</bdi> — Rob, raised [^<]*\(topic #\d+\)",
                     invite)

    # Mia types a note with an encoded override into the invite; it is read back without it.
    html = tenant.person_body("mia@contoso.example", occ.event_id)
    html = re.sub(r'(id="onetoone-notes"[^>]*>)',
                  lambda m: m.group(1) + "<p>Budget agreed &#x202E;gnp.exe&#x2069; for Q1</p>",
                  html)
    tenant.person_edit_body("mia@contoso.example", occ.event_id, html)
    at(occ.end + timedelta(hours=1))
    notes = [n.text for n in store.notes(occ.id)]
    assert notes == ["Budget agreed gnp.exe for Q1"]
