"""An organisation's questions.toml as Windows tools save it. Notepad (before 2019) and
PowerShell 5's `Out-File -Encoding utf8` put a UTF-8 byte order mark first; TOML refuses it
as "Invalid statement (at line 1, column 1)", so every agenda stopped on a bank that looks
right in any editor. It is tolerated, as it is in onetoone.toml. A bank saved in another
encoding (Notepad's "ANSI") is named, with what to do, rather than failing the agendas step
on a bare UnicodeDecodeError that names no file."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.test_mail import START
from tests.integration.test_org_template_broken import with_org_templates

BANK = "".join(f'[[question]]\nid = "{qid}"\ntheme = "{theme}"\ntext = "{text}"\n\n'
               for qid, theme, text in (
                   ("checkin-01", "check-in", "Qu’est-ce qui vous a donné de l’énergie ?"),
                   ("work-01", "work", "最近の仕事で一番誇りに思うことは何ですか？"),
                   ("growth-01", "growth", "Чему вы хотели бы научиться в этом году?"),
                   ("support-01", "support", "Was würde Ihnen die Arbeit erleichtern?")))


def test_a_bank_saved_with_a_byte_order_mark_is_read(tmp_path, settings_for) -> None:
    scenario = with_org_templates(tmp_path, settings_for(f"sqlite:///{tmp_path / 'bom.db'}"),
                                  "questions.toml", "")
    (scenario.settings.agenda.templates / "questions.toml").write_bytes(
        b"\xef\xbb\xbf" + BANK.encode("utf-8"))
    scenario.at(START)
    result = scenario.at(START + timedelta(days=5))  # the first agendas are due
    assert result.failed_steps == [] and result.agenda.failed == [], result.failed_steps
    assert result.agenda.injected
    asked = {o.question_id for v in scenario.store.views()
             for o in scenario.store.pairing_occurrences(v.pairing.id) if o.question_id}
    assert asked and asked <= {"checkin-01", "work-01", "growth-01", "support-01"}


def test_a_bank_not_in_utf8_is_named_with_what_to_do(tmp_path, settings_for) -> None:
    scenario = with_org_templates(tmp_path, settings_for(f"sqlite:///{tmp_path / 'ansi.db'}"),
                                  "questions.toml", "")
    path = scenario.settings.agenda.templates / "questions.toml"
    path.write_bytes(BANK.split("\n\n")[0].replace("’", "'").encode("cp1252"))
    scenario.at(START)
    result = scenario.at(START + timedelta(days=5))
    assert scenario.tenant.count("PATCH", r"/events/") == 0
    (failed,) = [s for s in result.failed_steps if s.startswith("agendas")]
    assert str(path) in failed and "UTF-8" in failed, failed
