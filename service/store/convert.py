"""Rows to records and back: the only place stored strings holding several values are
parsed or joined (working days, agenda topic ids, mail recipients as JSON)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from typing import Any, TypeVar

from service.domain.records import (
    ActionRecord,
    MailRecord,
    NoteRecord,
    OccurrenceRecord,
    PairingRecord,
    PersonRecord,
    RebookRecord,
    Recipient,
    SeriesRecord,
    TopicRecord,
)
from service.store.models import (
    ActionRow,
    NoteRow,
    OccurrenceRow,
    OutboxRow,
    PairingRow,
    PersonRow,
    RebookRow,
    SeriesRow,
    TopicRow,
)

R = TypeVar("R")


_NAMES: dict[type, tuple[str, ...]] = {}


def _names(cls: type) -> tuple[str, ...]:
    """A record class's field names (dataclasses.fields is slow enough to show per row)."""
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    return names


def _columns(row: object, cls: type[R], **parsed: Any) -> R:
    values = {name: getattr(row, name) for name in _names(cls) if name not in parsed}
    return cls(**values, **parsed)


def field_names(cls: type) -> tuple[str, ...]:
    """A record class's field names, in order (the order ``columns_of`` selects them)."""
    return _names(cls)


def columns_of(entity: Any, cls: type) -> list[Any]:
    """The columns of ``entity`` (a mapped class or an alias of one) that ``cls``'s fields
    name, in field order: selected as plain columns, a row of them costs no ORM object (the
    identity map and instrumentation are most of a big read's time)."""
    return [getattr(entity, name) for name in _names(cls)]


# A meeting's columns, as the reads of many meetings select them (``occurrence_from``):
# built once, as an alias's columns are (proxying each column again costs the read).
OCCURRENCE_COLUMNS = columns_of(OccurrenceRow, OccurrenceRecord)


def person_from(values: Sequence[Any]) -> PersonRecord:
    """A person from the values of ``columns_of(..., PersonRecord)``."""
    out = dict(zip(_names(PersonRecord), values, strict=True))
    days = out["working_days"]
    out["working_days"] = None if days is None else split_ints(days)
    out["aliases"] = aliases_of(out["aliases"])
    return PersonRecord(**out)


def pairing_from(values: Sequence[Any]) -> PairingRecord:
    """A pairing from the values of ``columns_of(..., PairingRecord)``."""
    return PairingRecord(**dict(zip(_names(PairingRecord), values, strict=True)))


def series_from(values: Sequence[Any]) -> SeriesRecord:
    """A series from the values of ``columns_of(..., SeriesRecord)``."""
    return record_from(SeriesRecord, values)


def record_from(cls: type[R], values: Sequence[Any]) -> R:
    """A record whose every field is a column, from the values of ``columns_of(..., cls)``."""
    return cls(**dict(zip(_names(cls), values, strict=True)))


def occurrence_from(values: Sequence[Any]) -> OccurrenceRecord:
    """A meeting from the values of ``columns_of(OccurrenceRow, OccurrenceRecord)``: the
    reads of many meetings (a series' whole history, a window's) select those columns, not
    ORM rows (the identity map, and the columns no record holds, were most of their time)."""
    out = dict(zip(_names(OccurrenceRecord), values, strict=True))
    out["agenda_topics"] = split_ints(out["agenda_topics"])
    return OccurrenceRecord(**out)


def _values(record: object, *, skip: Iterable[str] = ()) -> dict[str, Any]:
    skipped = set(skip)
    out = {name: getattr(record, name) for name in _names(type(record))
           if name not in skipped}
    if out.get("id") == 0:
        del out["id"]  # not stored yet: the database numbers it
    return out


# -- comma-joined columns -------------------------------------------------------------------

def join_ints(values: Iterable[int] | None) -> str:
    return ",".join(str(int(v)) for v in values or ())


def split_ints(text: str | None) -> tuple[int, ...]:
    return tuple(int(part) for part in (text or "").split(",") if part.strip())


def days_text(days: Iterable[int] | None) -> str | None:
    """Working days as stored ("0,1,2,3,4"); None (not read yet) stays None."""
    return None if days is None else join_ints(days)


def aliases_text(addresses: Iterable[str]) -> str:
    """A person's other addresses as stored (people.aliases): space-separated, as no mail
    address Exchange keeps holds a space."""
    return " ".join(addresses)


def aliases_of(text: str | None) -> tuple[str, ...]:
    return tuple((text or "").split())


# -- recipients -----------------------------------------------------------------------------

def recipients_json(people: Iterable[Recipient]) -> str:
    return json.dumps([{"name": p.name, "address": p.address} for p in people],
                      ensure_ascii=False)


def recipients_of(text: str | None) -> tuple[Recipient, ...]:
    return tuple(Recipient(str(p.get("name", "")), str(p["address"]))
                 for p in json.loads(text or "[]"))


# -- records --------------------------------------------------------------------------------

def person(row: PersonRow) -> PersonRecord:
    days = None if row.working_days is None else split_ints(row.working_days)
    return _columns(row, PersonRecord, working_days=days, aliases=aliases_of(row.aliases))


def pairing(row: PairingRow) -> PairingRecord:
    return _columns(row, PairingRecord)


def series(row: SeriesRow) -> SeriesRecord:
    return _columns(row, SeriesRecord)


def occurrence(row: OccurrenceRow) -> OccurrenceRecord:
    return _columns(row, OccurrenceRecord, agenda_topics=split_ints(row.agenda_topics))


def rebook(row: RebookRow) -> RebookRecord:
    return _columns(row, RebookRecord)


def topic(row: TopicRow) -> TopicRecord:
    return _columns(row, TopicRecord)


def action(row: ActionRow) -> ActionRecord:
    return _columns(row, ActionRecord)


def note(row: NoteRow) -> NoteRecord:
    return _columns(row, NoteRecord)


def mail(row: OutboxRow) -> MailRecord:
    return _columns(row, MailRecord, to=recipients_of(row.recipients), cc=recipients_of(row.cc))


# -- rows from records and values -----------------------------------------------------------

def series_row(record: SeriesRecord) -> SeriesRow:
    return SeriesRow(**series_values(record))


def series_values(record: SeriesRecord) -> dict[str, Any]:
    """The columns of a series not stored yet (the database numbers it)."""
    return _values(record)


def occurrence_row(record: OccurrenceRecord) -> OccurrenceRow:
    values = _values(record)
    values["agenda_topics"] = join_ints(record.agenda_topics)
    return OccurrenceRow(**values)


def rebook_row(record: RebookRecord) -> RebookRow:
    return RebookRow(**_values(record))


def mail_row(record: MailRecord) -> OutboxRow:
    values = _values(record, skip=("to", "cc"))
    return OutboxRow(**values, recipients=recipients_json(record.to),
                     cc=recipients_json(record.cc))


def occurrence_fields(values: Mapping[str, object]) -> dict[str, object]:
    """Occurrence columns to set, with the topic ids joined as stored."""
    out = dict(values)
    if "agenda_topics" in out:
        out["agenda_topics"] = join_ints(out["agenda_topics"])  # type: ignore[arg-type]
    return out
