"""An address that has been two people's (a rehire with a new account, a leaver's address
given to a joiner): `evidence` and `forget` never mix their records. The address alone is
refused, naming who held it; --person-id picks one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from service.cli import cli
from service.domain.records import PersonUpdate
from service.store.db import make_engine, upgrade
from service.store.models import NoteRow
from service.store.repo import Store

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
T1 = datetime(2026, 6, 1, 9, tzinfo=UTC)
EVIDENCE = ["--from", "2025-01-01", "--to", "2027-01-01", "--now", "2026-07-01T09:00:00Z"]


def _store(tmp_path: Path) -> tuple[dict[str, str], Store]:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    engine = make_engine(url)
    upgrade(engine)
    store = Store(engine)
    # Old Sam (directory id old-sam) reports to Mia, then leaves; his notes stay.
    store.upsert_people([PersonUpdate("mia", "mia@x.test", "Mia", None, True),
                         PersonUpdate("old-sam", "sam@x.test", "Sam Old", None, False)], T0)
    old = store.upsert_pairing(key="p-old", manager_id="mia", report_id="old-sam",
                               cadence="monthly", minutes=30, reason="", source="directory",
                               now=T0)
    store.add_note(old.id, None, "OLD-SAM-HEALTH-NOTE", private=False, now=T0)
    store.add_note(old.id, None, "OLD-SAM-PRIVATE", private=True, now=T0)
    store.end_pairing("p-old", "left", T0 + timedelta(days=30))
    # A new Sam joins with the same address (another directory id) under Ben.
    store.upsert_people([PersonUpdate("ben", "ben@x.test", "Ben", None, True),
                         PersonUpdate("new-sam", "sam@x.test", "Sam New", None, False)], T1)
    new = store.upsert_pairing(key="p-new", manager_id="ben", report_id="new-sam",
                               cadence="monthly", minutes=30, reason="", source="directory",
                               now=T1)
    store.add_note(new.id, None, "NEW-SAM-NOTE", private=False, now=T1)
    return {"ONETOONE_DATABASE_URL": url, "ONETOONE_CONFIG": ""}, store


def _notes(store: Store) -> list[str]:
    with store.session() as s:
        return list(s.scalars(select(NoteRow.text)))


def test_evidence_for_a_reused_address_is_one_persons(tmp_path: Path) -> None:
    env, _ = _store(tmp_path)
    out = tmp_path / "sam.html"
    refused = CliRunner().invoke(cli, ["evidence", "sam@x.test", *EVIDENCE, "--out", str(out)],
                                 env=env)
    assert refused.exit_code == 1 and not out.exists()
    message = " ".join(refused.output.split())
    assert "Sam Old (id old-sam, no current pair)" in message
    assert "Sam New (id new-sam, in a current pair)" in message and "--person-id" in message
    done = CliRunner().invoke(cli, ["evidence", "sam@x.test", *EVIDENCE, "--out", str(out),
                                    "--person-id", "new-sam"], env=env)
    assert done.exit_code == 0, done.output
    html = out.read_text()
    assert "NEW-SAM-NOTE" in html and "OLD-SAM-HEALTH-NOTE" not in html


def test_forget_for_a_reused_address_erases_the_one_named(tmp_path: Path) -> None:
    env, store = _store(tmp_path)
    refused = CliRunner().invoke(cli, ["forget", "sam@x.test", "--yes"], env=env)
    assert refused.exit_code == 1 and "--person-id" in refused.output
    assert {"NEW-SAM-NOTE", "OLD-SAM-HEALTH-NOTE", "OLD-SAM-PRIVATE"} <= set(_notes(store))
    wrong = CliRunner().invoke(cli, ["forget", "sam@x.test", "--yes", "--person-id", "ben"],
                               env=env)
    assert wrong.exit_code == 1 and "is not a person with the address" in " ".join(
        wrong.output.split())
    done = CliRunner().invoke(cli, ["forget", "sam@x.test", "--yes", "--person-id", "old-sam"],
                              env=env)
    assert done.exit_code == 0, done.output
    left = _notes(store)
    assert "NEW-SAM-NOTE" in left
    assert "OLD-SAM-HEALTH-NOTE" not in left and "OLD-SAM-PRIVATE" not in left
