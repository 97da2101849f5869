"""Graph request bodies: kept as a name for the builders now in ``service.graph.wire``."""

from service.graph.wire import (
    CADENCE_TEXT,
    MAIL_KEY_HEADER,
    MAIL_TAG_PROPERTY,
    PAIRING_PROPERTY,
    PROPERTY_SET,
    REBOOK_PROPERTY,
    event_times,
    graph_zone,
    mail_message,
    rebook_transaction_id,
    recurrence_patch,
    series_event,
    series_move_patch,
    single_event,
    transaction_id,
)

__all__ = [
    "CADENCE_TEXT", "MAIL_KEY_HEADER", "MAIL_TAG_PROPERTY", "PAIRING_PROPERTY", "PROPERTY_SET",
    "REBOOK_PROPERTY", "event_times", "graph_zone", "mail_message", "rebook_transaction_id",
    "recurrence_patch", "series_event", "series_move_patch", "single_event", "transaction_id",
]
