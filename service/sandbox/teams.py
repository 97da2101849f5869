"""Teams meetings: the online-meeting block Exchange adds to an event's body, and its rules."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

from service.sandbox.state import TenantState

TEAMS_RULE = "_" * 80


def _teams_block(join_url: str, meeting_number: str) -> str:
    """The online-meeting block Exchange appends to a Teams meeting's body."""
    rule = (f'<div style="width:100%"><span style="white-space:nowrap;color:#5F5F5F;'
            f'opacity:.36">{TEAMS_RULE}</span></div>')
    return (
        f'{rule}<div class="me-email-text" lang="en-GB" style="color:#252424;'
        f"font-family:'Segoe UI','Helvetica Neue',Helvetica,Arial,sans-serif\">"
        '<div style="margin-top:24px;margin-bottom:20px"><span style="font-size:24px;'
        'color:#252424">Microsoft Teams meeting</span></div>'
        '<div style="margin-bottom:20px"><div style="margin-top:0px;margin-bottom:0px;'
        'font-weight:bold"><span style="font-size:14px;color:#252424">Join on your computer, '
        'mobile app or room device</span></div>'
        f'<a class="me-email-headline" href="{html.escape(join_url)}" target="_blank" '
        'rel="noreferrer noopener" style="font-size:14px;font-family:\'Segoe UI Semibold\','
        '\'Segoe UI\',\'Helvetica Neue\',Helvetica,Arial,sans-serif;text-decoration:underline;'
        'color:#6264a7">Click here to join the meeting</a></div>'
        '<div style="margin-bottom:20px;margin-top:20px"><div style="margin-bottom:4px">'
        '<span style="font-size:14px;color:#252424">Meeting ID: </span>'
        f'<span style="font-size:16px;color:#252424">{meeting_number}</span></div></div>'
        f"</div>{rule}"
    )


def _html_document(content: str) -> str:
    if re.search(r"<html\b", content, re.I):
        return content
    return ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            f"</head><body>{content}</body></html>")


def _with_block(content: str, block: str) -> str:
    document = _html_document(content)
    index = document.lower().rfind("</body>")
    return document[:index] + block + document[index:] if index >= 0 else document + block


def apply_teams(tenant: TenantState, organizer: dict[str, Any], event: dict[str, Any],
                 asked: bool, provider: str | None) -> None:
    """Give the event a Teams meeting when asked and the organizer's calendar offers Teams."""
    calendar = organizer["calendar"]
    provider = provider or calendar.get("defaultOnlineMeetingProvider") or "teamsForBusiness"
    allowed = calendar.get("allowedOnlineMeetingProviders") or []
    if not asked or provider != "teamsForBusiness" or provider not in allowed:
        event["isOnlineMeeting"] = False
        event["onlineMeetingProvider"] = "unknown"
        event["onlineMeeting"] = None
        return
    if event.get("onlineMeeting"):
        return
    seed = uuid.uuid5(uuid.NAMESPACE_URL, event["id"])
    join = (f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{seed.hex}%40thread.v2/0"
            f"?context=%7b%22Tid%22%3a%22{tenant.tenant_id}%22%7d")
    number = " ".join(str(seed.int)[i: i + 3] for i in range(0, 12, 3))
    event["isOnlineMeeting"] = True
    event["onlineMeetingProvider"] = "teamsForBusiness"
    event["onlineMeeting"] = {"joinUrl": join, "conferenceId": str(seed.int)[:9],
                              "tollNumber": None, "phones": [], "quickDial": None,
                              "tollFreeNumbers": [], "tollFreeNumber": None}
    event["body"] = {"contentType": "html",
                     "content": _with_block((event.get("body") or {}).get("content", ""),
                                            _teams_block(join, number))}


def check_teams_kept(event: dict[str, Any]) -> None:
    """A body without the join link turns the Teams meeting off (DESIGN.md, known traps)."""
    meeting = event.get("onlineMeeting") or {}
    join = meeting.get("joinUrl")
    content = (event.get("body") or {}).get("content", "")
    if join and join not in content and html.escape(join) not in content:
        event["isOnlineMeeting"] = False
        event["onlineMeetingProvider"] = "unknown"
        event["onlineMeeting"] = None
