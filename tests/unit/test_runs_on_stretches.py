"""An ended series running on in Outlook (no end date there) is cancelled a stretch at a
time: how far each stretch reaches, when the next is due, and the one mail to its manager."""

from __future__ import annotations

from datetime import UTC, date, datetime

from service.domain.records import PairingRecord, PairingView, PersonRecord, SeriesRecord
from service.domain.runs_on import cancel_through, notice_key, stretch_due
from service.jobs.runs_on import notice_mail, slot_words

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def _series(**kw: object) -> SeriesRecord:
    base: dict[str, object] = dict(
        id=7, pairing_id=3, mailbox="mia-id", transaction_id="own-x", status="ended",
        cadence="monthly", minutes=30, weekday=3, week_index="second", start_time="14:00",
        time_zone="Europe/London", first_date=date(2026, 10, 8), range_end=date(2026, 12, 1),
        created_at=NOW, updated_at=NOW, cancelled_to=date(2027, 9, 1))
    base.update(kw)
    return SeriesRecord(**base)  # type: ignore[arg-type]


def test_each_stretch_reaches_as_far_as_a_series_runs() -> None:
    """months_ahead + 3 months: as far as any series onetoone books, so the report gets no
    more cancellations at once than for any series ending."""
    assert cancel_through(date(2026, 12, 1), 6) == date(2027, 9, 1)
    assert cancel_through(date(2027, 1, 31), 1) == date(2027, 5, 31)


def test_the_next_stretch_is_due_once_the_cancelled_meetings_fall_within_the_horizon() -> None:
    """Cancelled to 1 Sep 2027 and six months ahead kept: due from 2 Mar 2027, a quarter after
    the first stretch, never while the cancelled meetings still reach six months ahead."""
    assert not stretch_due(date(2027, 9, 1), date(2027, 3, 1), 6)
    assert stretch_due(date(2027, 9, 1), date(2027, 3, 2), 6)
    assert stretch_due(date(2026, 12, 1), date(2027, 3, 2), 6)  # ended before the upgrade


def test_the_notice_goes_once_from_the_managers_mailbox_and_keeps_names_as_text() -> None:
    """From the series' own mailbox to its manager only, keyed by the series (one mail
    whichever run finds it running on); names and the reason are text, never markup."""
    manager = PersonRecord(id="mia-id", email="mia@x.test", name="Mia <b>M</b>")
    report = PersonRecord(id="rob-id", email="rob@x.test", name="<script>Rob</script>")
    pairing = PairingRecord(id=3, key="p-1", manager_id="mia-id", report_id="rob-id",
                            status="ended")
    mail = notice_mail(PairingView(pairing, manager, report, None), _series(),
                       date(2027, 9, 1), "Rob <i>left</i>", NOW)
    assert (mail.key, mail.mailbox, [r.address for r in mail.to], mail.cc) == (
        notice_key(7), "mia-id", ["mia@x.test"], ())
    assert "<script>" not in mail.body_html and "<i>left" not in mail.body_html
    assert "&lt;script&gt;Rob&lt;/script&gt;" in mail.body_html
    assert "1 Sep 2027" in mail.body_html and "no longer books" in mail.body_html
    assert slot_words(_series()) in mail.body_html.replace("&amp;", "&")
    assert slot_words(_series()) == ("once a month, the second Thursday at 14:00 "
                                     "Europe/London")
