"""A person's topic whose subject merely starts with "Absence", "OOO" or "Out of
office" is not an automatic reply (no header says so): it is kept, not marked read unseen."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.domain.mail_reply import machine_reason
from service.domain.topics import topics_address
from tests.integration.test_agenda_loop import START
from tests.integration.test_rebook import BOX, ROB, World


@pytest.mark.parametrize("subject", ["Absence cover in January", "Absences in Q1",
                                     "OOO over Christmas", "Out of office etiquette"])
def test_a_persons_subject_is_not_a_machines(subject: str) -> None:
    assert machine_reason(subject, [("Content-Type", "multipart/alternative")]) is None


@pytest.mark.parametrize("subject", ["Absence: back Monday", "OOO: Re: 1-2-1",
                                     "Out of Office: back Monday", "Abwesend: Ihre Mail"])
def test_auto_reply_subjects_are_still_a_machines(subject: str) -> None:
    assert machine_reason(subject, []) == "automatic (subject)"


def test_a_topic_about_absence_is_added(tmp_path, settings_for) -> None:
    world = World(tmp_path, settings_for)
    world.tick(START)
    rob = world.view(ROB)
    now = START + timedelta(hours=1)
    world.send(now, ROB, topics_address(BOX, rob.pairing.key), "Absence cover in January")
    result = world.tick(now + timedelta(minutes=5))
    assert [t.text for t in world.store.open_topics(rob.pairing.id)] == [
        "Absence cover in January"], result.topics.ignored
