"""[mail] prep_email follows the service mailbox unless it is set; prep_working_days is
checked like every key."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.config import load_config
from service.errors import ConfigError


def settings(folder: Path, text: str = "", env: dict[str, str] | None = None):
    path = folder / "onetoone.toml"
    path.write_text(text)
    return load_config(path, env or {})


def test_the_prep_mail_is_on_exactly_when_a_service_mailbox_takes_replies(tmp_path) -> None:
    """Unset, it follows topics_mailbox; false always wins; true sends it without one."""
    box = '[mail]\ntopics_mailbox = "onetoone@contoso.example"\n'
    assert settings(tmp_path).sends_prep_mail is False
    assert settings(tmp_path, box).sends_prep_mail is True
    assert settings(tmp_path, box + "prep_email = false\n").sends_prep_mail is False
    assert settings(tmp_path, "[mail]\nprep_email = true\n").sends_prep_mail is True
    assert settings(tmp_path, env={"ONETOONE_MAIL_PREP_EMAIL": "true"}).sends_prep_mail
    assert not settings(tmp_path, box, {"ONETOONE_MAIL_PREP_EMAIL": "false"}).sends_prep_mail


def test_prep_working_days_is_range_checked(tmp_path) -> None:
    """A lead of 0 or over 10 working days is refused, naming the key."""
    assert settings(tmp_path).mail.prep_working_days == 3
    for bad in ("0", "11"):
        with pytest.raises(ConfigError, match="prep_working_days"):
            settings(tmp_path, f"[mail]\nprep_working_days = {bad}\n")
