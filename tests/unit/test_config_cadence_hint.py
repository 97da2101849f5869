"""A cadence the config refuses gets the same suggestion as the pairs file gives for it: by
what the word means ("biweekly" is fortnightly), not by spelling (weekly, which would double
the meetings)."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.config import load_config
from service.domain.pairs_csv import parse_pairs_csv
from service.errors import ConfigError, PairsFileError

GROUP = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
KEYS = ("new_starter_cadence", "manager_cadence", "default_cadence")


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder, so no stray ./onetoone.toml is picked up."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def config_error(folder: Path, text: str, env: dict[str, str] | None = None) -> str:
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env or {})
    return " ".join(str(caught.value).split())


def csv_error(cadence: str) -> str:
    with pytest.raises(PairsFileError) as caught:
        parse_pairs_csv(f"a@x.com,b@x.com,{cadence}\n", "pairs.csv")
    return " ".join(str(caught.value).split())


def hint_of(message: str) -> str:
    """The suggestion after "one of those." (config) or before "Use one of those" (pairs)."""
    if "Set it to one of those." in message:
        return message.split("Set it to one of those.", 1)[1].strip()
    return message.split("monthly.", 1)[1].split("Use one of those", 1)[0].strip()


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize(("written", "meant"), [
    ("biweekly", "fortnightly"), ("bi-weekly", "fortnightly"),
    ("every two weeks", "fortnightly"), ("fortnighly", "fortnightly"),
    ("once a month", "monthly"), ("wekly", "weekly"),
])
def test_config_file_suggests_the_cadence_meant(
        folder: Path, key: str, written: str, meant: str) -> None:
    """A synonym in onetoone.toml gets the cadence it means, as in the pairs file."""
    message = config_error(folder, f'[policy]\n{key} = "{written}"\n')
    assert f'[policy] {key} = "{written}" is not one of' in message
    assert hint_of(message) == f"Did you mean {meant}?" == hint_of(csv_error(written))


@pytest.mark.parametrize("written", ["biweekly", "bi-weekly", "Bi_Weekly"])
def test_environment_suggests_fortnightly_for_biweekly(folder: Path, written: str) -> None:
    """ONETOONE_POLICY_DEFAULT_CADENCE=biweekly: fortnightly, not weekly."""
    message = config_error(folder, "", {"ONETOONE_POLICY_DEFAULT_CADENCE": written})
    assert message.startswith("ONETOONE_POLICY_DEFAULT_CADENCE: [policy] default_cadence")
    assert "Did you mean fortnightly?" in message and "weekly?" not in message.replace(
        "fortnightly?", "")


@pytest.mark.parametrize("key", KEYS)
def test_bimonthly_is_called_ambiguous_not_monthly(folder: Path, key: str) -> None:
    """'bimonthly' gets the pairs file's words (twice a month or every two months)."""
    message = config_error(folder, f'[policy]\n{key} = "bimonthly"\n')
    assert "Did you mean" not in message
    assert hint_of(message) == hint_of(csv_error("bimonthly"))
    assert "twice a month (fortnightly)" in message and "every two months" in message


def test_group_cadence_suggests_the_cadence_meant(folder: Path) -> None:
    """A [policy.groups] cadence gets the same suggestion as the policy's own keys."""
    message = config_error(folder, f'[policy.groups]\n"{GROUP}" = "biweekly"\n')
    assert f'[policy.groups] {GROUP} = "biweekly" is not one of' in message
    assert hint_of(message) == "Did you mean fortnightly?"
