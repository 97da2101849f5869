"""An ended 1-2-1 series that runs on in Outlook: one with no end date (the pair's own,
adopted as it stood, or given no end there by its manager) cannot be ended by onetoone
without changing its recurrence, and any change of the recurrence drops every exception of
the series (the agendas and notes typed into its meetings, the meetings someone moved). So
its meetings are cancelled one by one, a stretch at a time, always at least
``months_ahead`` ahead, until its manager ends it in Outlook (she is asked once, by mail).

Pure: today and the policy's horizon are passed in.
"""

from __future__ import annotations

from datetime import date

from service.domain.cadence import add_months

# Each stretch cancelled after the first: a quarter, so the report gets its cancellations a
# few at a time (up to 14 for a weekly 1-2-1) four times a year, for two requests each (one
# read, one $batch), rather than a year's at once. The first, when the series ends, reaches
# as far as any series onetoone books (months_ahead + 3): no more cancellations than ending
# any other series sends. Never less than a quarter, so a read of the stretch always spans
# a monthly meeting: finding none there says the series has ended in Outlook.
STRETCH_MONTHS = 3
# The outbox kind and key of the one mail asking the manager to end such a series.
NOTICE_KIND = "series_runs_on"


def notice_key(series_id: int) -> str:
    """The notice's outbox key: one per series, whichever run finds it running on."""
    return f"runs_on:{series_id}"


def cancel_through(today: date, months_ahead: int) -> date:
    """The last day whose meetings a stretch cancelled ``today`` reaches."""
    return add_months(today, months_ahead + STRETCH_MONTHS)


def stretch_due(cancelled_to: date, today: date, months_ahead: int) -> bool:
    """Whether the next stretch is due: the meetings cancelled no longer reach
    ``months_ahead`` months ahead (how far ahead people see their 1-2-1s booked)."""
    return cancelled_to < add_months(today, months_ahead)
