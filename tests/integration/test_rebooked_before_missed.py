"""A cancelled 1-2-1 whose replacement was booked (and held) *before* its own slot — the
rebook offer's nearest time ties go to the earlier day, so a meeting cancelled ahead is
often rebooked the day before — is not a miss in "missed N in a row": the pair met."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner

from tests.integration.test_status_display import (  # noqa: F401 (fixture)
    SOPHIE,
    pair_of,
    record,
    row_of,
    runner,
    slots,
    status,
    store,
)


def test_a_replacement_held_before_the_missed_slot_breaks_the_run(runner: CliRunner) -> None:  # noqa: F811
    view = pair_of(SOPHIE)
    (s1, e1), (s2, e2), (s3, e3) = slots(view)[:3]
    record(view, [
        {"start": s1, "end": e1, "status": "held"},
        {"start": s2, "end": e2, "status": "cancelled"},  # cancelled ahead, then rebooked
        {"start": s3, "end": e3, "status": "cancelled"},
    ])
    missed = next(o for o in store().pairing_occurrences(view.pairing.id) if o.start == s2)
    before = s2 - timedelta(days=1)  # the replacement, the day before, was held
    assert view.series is not None
    store().upsert_occurrences(view.series.id, [{
        "event_id": "evt-rebooked", "original_start": before, "start": before,
        "end": before + (e2 - s2), "status": "held", "rebook_of": missed.id}],
        s1 - timedelta(days=1))
    shown = status(runner, (e3 + timedelta(hours=1)).isoformat())
    # The pair met on the day before s2; only s3 was missed since.
    assert "in a row" not in row_of(shown, SOPHIE)


def test_report_attention_agrees() -> None:
    """`onetoone report`'s needs-attention list counts the run the same way."""
    from datetime import UTC, date, datetime

    from service.domain.insight import Period, attention
    from service.domain.records import OccurrenceRecord

    def occ(i: int, start: datetime, status: str, rebook_of: int | None = None
            ) -> OccurrenceRecord:
        return OccurrenceRecord(id=i, series_id=1, event_id=f"e{i}", original_start=start,
                                start=start, end=start + timedelta(minutes=30),
                                status=status, rebook_of=rebook_of)

    wed = datetime(2027, 1, 13, 10, 0, tzinfo=UTC)
    occs = [occ(1, wed, "held"), occ(2, wed + timedelta(weeks=1), "cancelled"),
            occ(4, wed + timedelta(weeks=1, days=-1), "held", rebook_of=2),
            occ(3, wed + timedelta(weeks=2), "cancelled")]
    period = Period(date(2027, 1, 1), date(2027, 2, 1), datetime(2027, 1, 28, tzinfo=UTC))
    assert not any("in a row" in a for a in attention(occs, (), "weekly", period))
