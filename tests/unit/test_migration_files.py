"""The store knows its schema revisions from the migrations' file names, without loading
Alembic (`service.store.db._revisions`): those names must say what Alembic reads."""

from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory

from service.store.db import MIGRATIONS, _revisions, head_revision, known_revision


def test_the_file_names_give_alembics_revisions_and_head() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(cfg)
    walked = list(scripts.walk_revisions())  # newest first
    assert head_revision() == scripts.get_current_head() == walked[0].revision
    assert _revisions()[1] == {s.revision for s in walked}
    # One straight line, each revision following the one before it by name.
    assert [s.down_revision for s in walked] == [s.revision for s in walked[1:]] + [None]
    assert [s.revision for s in walked] == sorted(_revisions()[1], reverse=True)


def test_a_revision_not_in_the_files_is_not_known() -> None:
    assert known_revision(None) and known_revision("0001") and known_revision(head_revision())
    assert not known_revision("9999") and not known_revision("0001 0002")
    assert not known_revision("ae1027a6acf")  # another program's Alembic revision
