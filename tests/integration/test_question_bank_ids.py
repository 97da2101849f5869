"""An organisation's question bank is outside text that the store keeps: each meeting's
question id goes into a 40-character column. SQLite ignores the length; PostgreSQL refused
a longer id after the agenda was already in the invite, so that meeting's agenda was never
recorded and failed again on every run (as did each later meeting given such a question).
Now the bank itself is refused, naming the question, before any invite is touched (as the
docs promise for a mistake in the bank), and the agendas go in once it is fixed."""

from __future__ import annotations

from datetime import timedelta

from service.store.models import OccurrenceRow, QuestionUseRow
from tests.integration.test_mail import START
from tests.integration.test_org_template_broken import with_org_templates

THEMES = ("check-in", "work", "growth", "support")
LONG_IDS = [f"{theme}-what-would-you-like-to-be-doing-in-a-year" for theme in THEMES]
# (A TOML escape may write a NUL into an id: it is dropped, as from any outside text.)
SHORT_IDS = ["checkin-01", "work\\u0000-02", "growth-03", "support-04"]


def bank(ids: list[str]) -> str:
    return "".join(f'[[question]]\nid = "{qid}"\ntheme = "{theme}"\ntext = "Question {n}?"\n\n'
                   for n, (qid, theme) in enumerate(zip(ids, THEMES, strict=True)))


def test_a_question_id_too_long_to_store_is_refused_before_any_invite(
        tmp_path, db_url, settings_for) -> None:
    column = OccurrenceRow.__table__.c.question_id.type.length
    assert QuestionUseRow.__table__.c.question_id.type.length == column
    assert all(len(qid) > column for qid in LONG_IDS)
    scenario = with_org_templates(tmp_path, settings_for(db_url), "questions.toml",
                                  bank(LONG_IDS))
    folder = scenario.settings.agenda.templates
    scenario.at(START)
    result = scenario.at(START + timedelta(days=5))  # the first agendas are due
    # No meeting's agenda fails over the store refusing its question (PostgreSQL: "value
    # too long for type character varying(40)", on every run) ...
    assert result.agenda.failed == []
    # ... nor was anything written into an invite that the store could not record ...
    assert scenario.tenant.count("PATCH", r"/events/") == 0
    # ... the bank is refused, naming the file and the question.
    (failed,) = [s for s in result.failed_steps if s.startswith("agendas")]
    assert str(folder / "questions.toml") in failed and LONG_IDS[0] in failed

    (folder / "questions.toml").write_text(bank(SHORT_IDS), encoding="utf-8")
    result = scenario.at(START + timedelta(days=5, hours=1))
    assert result.failed_steps == [] and result.agenda.failed == []
    assert result.agenda.injected
    occs = [o for v in scenario.store.views()
            for o in scenario.store.pairing_occurrences(v.pairing.id)
            if o.agenda_state == "injected"]
    assert occs and {o.question_id for o in occs} <= {"checkin-01", "work-02", "growth-03",
                                                      "support-04"}
