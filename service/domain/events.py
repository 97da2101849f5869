"""What Graph tells about people, calendars and mail, as records the jobs read by attribute.

Graph's JSON is parsed into these in ``service/graph/wire.py``; nothing outside the graph
package sees the wire format. Times are aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

# Mailboxes (userPurpose) that are no one's own: never paired, whatever the directory says
# of their manager; as they are named in what onetoone says of them.
NOT_A_PERSON = {"shared": "a shared mailbox", "room": "a room mailbox",
                "equipment": "an equipment mailbox"}


@dataclass(frozen=True)
class DirectoryUser:
    """A user as the directory lists them."""

    id: str
    name: str
    email: str
    enabled: bool
    member: bool
    hired_at: datetime | None  # employeeHireDate: an instant (its day: directory.start_day)
    manager_id: str | None
    # The user principal name, lower-cased: how a pairs file may name someone whose sign-in
    # name is not their mail, found in the directory's copy rather than asked of Graph.
    upn: str = ""
    # Whether Graph gives them a mail address: null until Exchange Online gives them a
    # mailbox (a joiner whose licence comes on their first day; a mailbox kept on-premises).
    # ``email`` is then their UPN, which no invitation reaches.
    mailbox: bool = True
    # What their mailbox is for, as mailboxSettings' userPurpose says (user, shared, room,
    # equipment...); None: not read yet. See domain/directory.NOT_A_PERSON.
    purpose: str | None = None
    # Entra's givenName ("": none set): which word of ``name`` is their first name, where the
    # display name alone cannot tell ("van der Berg, Anna", "Zhang Wei"; wording.first_name).
    given_name: str = ""
    # Their other addresses, lower-cased (the UPN, proxyAddresses' aliases: see
    # directory.aliases): an Outlook mention of any of them is a mention of them.
    aliases: tuple[str, ...] = ()

    @property
    def person(self) -> bool:
        """Whether the account may be a person's: not a shared, room or equipment mailbox
        (an account Exchange made for one of those is enabled unless an admin blocks it)."""
        return self.purpose not in NOT_A_PERSON

    @classmethod
    def deleted(cls, id: str, name: str, email: str) -> DirectoryUser:
        """Someone onetoone paired before whom the directory no longer lists (a leaver whose
        account was deleted), as a disabled user: their pairs-file line is skipped."""
        return cls(id=id, name=name, email=email, enabled=False, member=True, hired_at=None,
                   manager_id=None)


@dataclass(frozen=True)
class MailboxInfo:
    """What mailboxSettings says about a person's day, or why it could not be read."""

    user_id: str
    time_zone: str | None = None  # as Graph gives it: Windows or IANA name
    working_days: tuple[str, ...] = ()
    working_start: str | None = None  # "09:00:00.0000000"
    working_end: str | None = None
    working_time_zone: str | None = None
    purpose: str | None = None  # userPurpose: user, shared, room, equipment, ...
    # dateFormat, as its owner chose it in Outlook ("M/d/yyyy"): how they type dates
    # (due_dates.date_order). None: not told (getSchedule's hours carry no format).
    date_format: str | None = None
    error: str | None = None
    passing: bool = False  # the error was only for now (throttled, a 5xx): ask again later


@dataclass(frozen=True)
class ScheduleItem:
    """One item of a person's free/busy (getSchedule): when, and how it shows.

    ``status`` is Graph's freeBusyStatus normalised to free, tentative, busy, oof,
    workingElsewhere or unknown. ``subject`` is what the owner typed (empty when private):
    text from outside, only ever shown escaped.
    """

    start: datetime  # UTC
    end: datetime  # UTC
    status: str
    subject: str = ""
    is_private: bool = False


@dataclass(frozen=True)
class ScheduleQuery:
    """One getSchedule question: ``emails``' calendars between two instants, asked through
    ``organizer``'s mailbox (any mailbox the app may read works)."""

    organizer: str
    emails: tuple[str, ...]
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Attendee:
    """A person on an event, and how they answered (none, accepted, declined...)."""

    email: str
    name: str = ""
    response: str = ""  # lower case; "" when Graph did not say
    kind: str = ""  # Graph's type: required, optional or resource (a room); "" if not said


@dataclass(frozen=True)
class Recurrence:
    """A series' pattern and range as the calendar holds them (for adopting a series)."""

    pattern: str = ""  # weekly, relativeMonthly, absoluteMonthly...
    interval: int = 1
    days: tuple[str, ...] = ()  # lower-case English day names
    index: str | None = None  # first, second... (relativeMonthly)
    range_type: str = ""  # endDate, noEnd, numbered
    start_date: date | None = None
    end_date: date | None = None
    time_zone: str | None = None  # the range's recurrenceTimeZone (Windows or IANA name)
    count: int | None = None  # a numbered range's numberOfOccurrences


@dataclass(frozen=True)
class CalendarEvent:
    """An event, a series master or one occurrence of a series.

    ``start``/``end`` are None only when the request did not ask for them. ``time_zone``
    is the zone the organizer booked it in (Windows or IANA name, as Graph gives it).
    """

    id: str
    type: str | None = None  # singleInstance, seriesMaster, occurrence, exception
    start: datetime | None = None
    end: datetime | None = None
    original_start: datetime | None = None  # an occurrence's slot in the pattern
    time_zone: str | None = None
    subject: str = ""
    body: str = ""  # html (a plain-text body escaped into it: graph.wire._event_html)
    cancelled: bool = False
    series_master_id: str | None = None
    ical_uid: str | None = None
    etag: str | None = None
    attendees: tuple[Attendee, ...] = ()
    organizer: Attendee | None = None
    is_organizer: bool | None = None
    # The calendar owner's own answer (Graph's responseStatus), lower case; "" if not asked.
    response: str = ""
    # Graph's hideAttendees: an attendee's copy then lists its owner alone as attendee.
    hide_attendees: bool = False
    show_as: str | None = None
    # Graph's sensitivity, lower case ("" if not asked): a private event is shown to anyone
    # but its people as "Private appointment", while application access reads it whole.
    sensitivity: str = ""
    online: bool = False
    recurrence: Recurrence | None = None
    tags: tuple[tuple[str, str], ...] = ()  # our extended properties: (id, value)
    # The addresses of its locations that have one (rooms booked as its place), lower case.
    rooms: tuple[str, ...] = ()

    @property
    def slot(self) -> datetime | None:
        """Where the occurrence sits in its series' pattern (its start if never moved)."""
        return self.original_start or self.start

    def response_of(self, email: str) -> str:
        """How the attendee ``email`` answered ('' when not invited or not answered)."""
        wanted = email.lower()
        return next((a.response for a in self.attendees if a.email == wanted), "")


@dataclass(frozen=True)
class MailMessage:
    """A mail in a mailbox (addresses lower-cased; body as text when asked for as text)."""

    id: str
    subject: str = ""
    sender: str = ""  # Graph's ``from``: whose mail it is
    # Graph's ``sender``: who actually sent it. Another address means a delegate sent it on
    # behalf of ``sender`` ("Send on Behalf"): not that person's own words. '' when unknown.
    sent_by: str = ""
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    body: str = ""
    internet_message_id: str = ""
    sent_at: str = ""  # Graph's sentDateTime, ISO text
    headers: tuple[tuple[str, str], ...] = ()  # internetMessageHeaders, when selected
    has_attachments: bool = False  # Graph's hasAttachments (inline images not counted)
    html: bool = False  # the body came as HTML (the text preference was not applied)
    # An eventMessage (Graph's @odata.type): meeting mail the calendar sent — a request, an
    # update, a cancellation, a response — whose body is the meeting's, not a person's mail.
    meeting: bool = False
