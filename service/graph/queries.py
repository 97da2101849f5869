"""The OData queries that find items in a mailbox: ours by their tag, a series' copy by its
iCalUId, and a mailbox's series masters. Values are quoted as OData literals (a quote
doubled), whatever they hold."""

from __future__ import annotations


def tag_filter(property_id: str, value: str, select: str) -> dict[str, str]:
    """The query finding items that carry our extended property ``property_id`` = ``value``."""
    esc = value.replace("'", "''")
    return {
        "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{property_id}' "
        f"and ep/value eq '{esc}')",
        "$expand": f"singleValueExtendedProperties($filter=id eq '{property_id}')",
        "$select": select,
    }


# Items per page of a mailbox-wide tag search: a manager's series and rebooked meetings fit
# one page for years; Graph's default page (10 events) would cost a request per 10.
TAG_PAGE = 100


def series_masters_query(property_id: str, select: str) -> dict[str, str]:
    """The query listing a mailbox's series masters still standing, each with our tag
    expanded when it has one (so a series onetoone made is told from one made by hand).
    Graph filters events on ``type`` and ``isCancelled``; who attends cannot be filtered on,
    so that is told on this side."""
    return {
        "$filter": "type eq 'seriesMaster' and isCancelled eq false",
        "$expand": f"singleValueExtendedProperties($filter=id eq '{property_id}')",
        "$select": select,
        "$top": str(TAG_PAGE),
    }


def tag_prefix_filter(property_id: str, prefix: str, select: str) -> dict[str, str]:
    """The query finding every item whose ``property_id`` value starts with ``prefix``, each
    with that property expanded so the caller learns its value. Graph documents
    ``startswith`` on a string extended property's value for events and messages (and
    matches values ignoring case)."""
    esc = prefix.replace("'", "''")
    return {
        "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{property_id}' "
        f"and startswith(ep/value, '{esc}'))",
        "$expand": f"singleValueExtendedProperties($filter=id eq '{property_id}')",
        "$select": select,
        "$top": str(TAG_PAGE),
    }


def sent_tag_query(property_id: str, tag: str) -> dict[str, str]:
    """The query finding a message in Sent Items by our extended property ``tag``."""
    esc = tag.replace("'", "''")
    return {"$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{property_id}' "
                       f"and ep/value eq '{esc}')", "$select": "id", "$top": "1"}


def ical_uid_filter(ical_uid: str, select: str) -> dict[str, str]:
    """The query finding the series master or single event whose iCalUId is ``ical_uid``
    in any mailbox: a meeting's copy in an attendee's calendar carries the organizer's
    iCalUId (the value is Graph's, but quoted as a literal all the same)."""
    esc = ical_uid.replace("'", "''")
    return {"$filter": f"iCalUId eq '{esc}'", "$select": select}
