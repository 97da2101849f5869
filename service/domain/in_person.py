"""Some 1-2-1s face to face. Remote ones are fine, "but make sure that at least some take
place face to face. Remember you don't have to do your 121 in the office – you can go for
coffee or even a walk" (seed 001; seed 000 too: "it could be done whilst walking or in the
café").

A series booked as a Teams meeting is online every time unless the two decide otherwise,
so every Nth meeting of such a pair its agenda suggests meeting in person, in one line near
its top. A series that is not a Teams meeting ([policy] teams_meeting = false, or a
calendar without Teams) is not met online to begin with: no line.

Decided by the meeting's number alone, as the development turn is, so every rendering of
one occurrence's agenda says the same (an agenda is rendered again to update it and to tell
its lines from the manager's notes).

Pure: numbers in, a yes or no out; the line is fixed words (the notes parser knows it).
"""

from __future__ import annotations

# Fixed, naming no one: the notes parser knows it as the agenda's wherever it ends up. The
# second sentence answers the guidance's worry that a walk is "tricky for taking notes":
# they are read back from the invite after the meeting, later that day too.
IN_PERSON_HINT = ("If you can, meet face to face this time: in the office, over a coffee or "
                  "on a walk. The notes can go in here afterwards.")


def in_person_due(meeting_number: int, every: int, *, online: bool) -> bool:
    """Whether this meeting's agenda suggests meeting face to face: the pair's every
    ``every``-th meeting (the ``every``-th, twice that, ...; 0: never), and only when their
    meetings are online."""
    if every < 0:
        raise ValueError("in_person_every must be 0 (off) or more")
    if meeting_number < 1:
        raise ValueError("meeting_number is 1-based")
    return online and every > 0 and meeting_number % every == 0
