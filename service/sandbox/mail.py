"""The sandbox's mail: sendMail delivery inside the tenant, reading mail folders, and how
mail arrives from people's clients and from outside (for tests and the demo).

As Graph documents it: custom ``internetMessageHeaders`` on sendMail must be named ``x-...``
(400 InvalidInternetMessageHeader otherwise); a delivered message carries its transport
headers, returned only when ``$select`` names ``internetMessageHeaders``; ``replyTo`` is kept
as sent; ``hasAttachments`` counts file attachments that are not inline; bodies come as HTML (a
plain-text one converted as Exchange does) unless ``Prefer: outlook.body-content-type="text"``
asks for text, which renders HTML bodies as text; a ``Prefer`` for either is confirmed by
``Preference-Applied``. Listing a folder filters on
``sentDateTime``/``receivedDateTime`` ranges (``ge``, ``gt``, ``le``, ``lt`` with an unquoted
UTC instant) beside the equality clauses, and sorts by ``$orderby``; as the List messages page
documents, a property in ``$orderby`` must also lead the ``$filter`` (400 InefficientFilter
otherwise).
"""

from __future__ import annotations

import copy
import html
import operator
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from service.sandbox.bodies import html_to_text, plain_text_html, preview
from service.sandbox.odata import (
    Filter,
    _split_and,
    expanded_ext_props,
    page,
    parse_filter,
    select,
    top,
)
from service.sandbox.schemas import action_params, property_names, validate_body
from service.sandbox.state import TenantState, has_mailbox
from service.sandbox.wire import GraphFault, Request, Response, bad_request, iso_utc

# Returned only when $select names them (Graph's default message shape leaves them out).
_SELECT_ONLY = ("internetMessageHeaders", "uniqueBody")

WELL_KNOWN = {"inbox": "inbox", "sentitems": "sentitems", "drafts": "drafts",
              "deleteditems": "deleteditems"}


def folder_name(name: str) -> str:
    found = WELL_KNOWN.get(name.lower())
    if found is None:
        raise GraphFault(404, "ErrorItemNotFound", "The specified object was not found in the "
                                                   "store.")
    return found


def send_mail(tenant: TenantState, uid: str, request: Request) -> Response:
    """sendMail: 202; delivered to tenant recipients' inboxes, kept in Sent Items if asked."""
    validate_body(request.body, "action:sendMail")
    params = action_params(request.body)
    message = params.get("message")
    if not isinstance(message, dict):
        raise bad_request("The 'message' parameter is required.", "ErrorInvalidRequest")
    recipients = [r for field in ("toRecipients", "ccRecipients", "bccRecipients")
                  for r in message.get(field) or []]
    if not recipients:
        raise bad_request("At least one recipient is required, but none were found.",
                          "ErrorInvalidRecipients")
    for header in message.get("internetMessageHeaders") or []:
        name = str((header or {}).get("name") or "")
        if not name.lower().startswith("x-"):
            raise bad_request(f"The internet message header name '{name}' should start with "
                              "'x-' or 'X-'.", "InvalidInternetMessageHeader")
    sender = tenant.state["users"][uid]
    stored = _message(tenant, message, sender["displayName"], sender["mail"], tenant.now())
    delivered = set()
    for recipient in recipients:
        address = ((recipient.get("emailAddress") or {}).get("address") or "").lower()
        user = tenant.find_user(address)
        if user is None or not has_mailbox(user) or user["id"] in delivered:
            tenant.outbound.append({"to": address, "subject": stored.get("subject")})
            continue
        delivered.add(user["id"])
        copy_in = {**copy.deepcopy(stored), "id": tenant.new_id("message"), "isRead": False}
        copy_in.pop("bccRecipients", None)  # recipients never see the Bcc line
        tenant.folder(user["id"], "inbox").append(copy_in)
    if params.get("savetosentitems", True) is not False:
        tenant.folder(uid, "sentitems").append({**stored, "id": tenant.new_id("message"),
                                                "isRead": True})
    return Response(202)


def _message(tenant: TenantState, message: dict[str, Any], name: str, address: str,
             when: datetime) -> dict[str, Any]:
    """A message as a mailbox keeps it once sent: sender, times, id, preview, attachments
    flag, and the transport headers a recipient's copy shows."""
    now = iso_utc(when)
    content = (message.get("body") or {}).get("content", "")
    kind = (message.get("body") or {}).get("contentType", "text")
    attachments = message.get("attachments") or []
    internet_id = f"<{tenant.new_id('internet')}@sandbox.invalid>"
    files = [a for a in attachments if isinstance(a, dict) and not a.get("isInline")]

    def people(field: str) -> str:
        return ", ".join(str((r.get("emailAddress") or {}).get("address") or "")
                         for r in message.get(field) or [])

    headers = [{"name": n, "value": v} for n, v in (
        ("From", f"{name} <{address}>"), ("To", people("toRecipients")),
        ("Subject", str(message.get("subject") or "")), ("Date", now),
        ("Message-ID", internet_id), ("MIME-Version", "1.0"),
        ("Content-Type", "multipart/mixed" if attachments else "multipart/alternative"),
        ("Reply-To", people("replyTo")), ("X-MS-Has-Attach", "yes" if files else ""))
        if v]
    return {
        **copy.deepcopy(message),
        "from": {"emailAddress": {"name": name, "address": address}},
        "sender": {"emailAddress": {"name": name, "address": address}},
        "sentDateTime": now,
        "receivedDateTime": now,
        "createdDateTime": now,
        "bodyPreview": preview(content, kind),
        "isDraft": False,
        "hasAttachments": bool(files),
        "internetMessageId": internet_id,
        # (the sender's own x- headers first: Graph documents no order)
        "internetMessageHeaders": copy.deepcopy(message.get("internetMessageHeaders") or [])
        + headers,
    }


_TIMES = ("sentDateTime", "receivedDateTime")
_RANGE = re.compile(r"^\s*(sentDateTime|receivedDateTime)\s+(ge|gt|le|lt)\s+"
                    r"(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z)\s*$", re.I)
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "ge": operator.ge, "gt": operator.gt, "le": operator.le, "lt": operator.lt}
_ORDER = re.compile(r"^\s*(\w+)(?:\s+(asc|desc))?\s*$", re.I)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _message_filter(text: str | None) -> tuple[Filter, list[tuple[str, str, datetime]],
                                                list[str]]:
    """The equality part of a messages ``$filter``, its time ranges, and the order in which
    the clauses name properties (for the ``$orderby`` rule)."""
    if not text or text.lstrip().lower().startswith("singlevalueextendedproperties"):
        return parse_filter(text), [], []
    ranges, rest, names = [], [], []
    for part in _split_and(text):
        match = _RANGE.match(part)
        if match:
            name = next(t for t in _TIMES if t.lower() == match.group(1).lower())
            ranges.append((name, match.group(2).lower(), _instant(match.group(3))))
            names.append(name)
        else:
            rest.append(part)
            names.append(part.split()[0] if part.split() else "")
    return parse_filter(" and ".join(rest) or None), ranges, names


def _in_ranges(message: dict[str, Any], ranges: list[tuple[str, str, datetime]]) -> bool:
    for name, op, bound in ranges:
        value = message.get(name)
        if not isinstance(value, str) or not _COMPARE[op](_instant(value), bound):
            return False
    return True


def _order(request: Request, filtered: list[str]) -> tuple[str, bool]:
    """(property, descending) from ``$orderby`` (default: newest received first)."""
    text = request.option("orderby")
    if not text:
        return "receivedDateTime", True
    match = _ORDER.match(text)
    name = next((t for t in _TIMES if match and t.lower() == match.group(1).lower()), None)
    if match is None or name is None:
        raise bad_request(f"Sorting by '{text}' is not supported.", "BadRequest")
    if filtered and filtered[0] != name:
        raise bad_request("The restriction or sort order is too complex for this operation.",
                          "InefficientFilter")
    return name, (match.group(2) or "asc").lower() == "desc"


def list_messages(tenant: TenantState, uid: str, folder: str | None, request: Request
                  ) -> Response:
    """Messages of a folder (or all folders), newest first unless ``$orderby`` says, with
    $filter/$select/$top."""
    wanted, ranges, filtered = _message_filter(request.option("filter"))
    order, descending = _order(request, filtered)
    names = [folder_name(folder)] if folder else list(WELL_KNOWN)
    items = [m for name in names for m in tenant.folder(uid, name)
             if wanted.matches(m) and _in_ranges(m, ranges)]
    items.sort(key=lambda m: _instant(m.get(order) or "0001-01-01T00:00:00Z"),
               reverse=descending)
    shaped = []
    for message in items:
        out: dict[str, Any] = {k: copy.deepcopy(v) for k, v in message.items()
                               if not k.startswith("_") and k != "attachments"}
        if not request.option("select"):
            for name in _SELECT_ONLY:
                out.pop(name, None)
        if "body" in out:
            out["body"] = _body_as(out["body"] or {}, request.body_type)
        props = expanded_ext_props(message, request)
        out.pop("singleValueExtendedProperties", None)
        out = select(out, request, known=property_names("microsoft.graph.message"),
                     type_name="Microsoft.OutlookServices.Message")
        if props is not None:
            out["singleValueExtendedProperties"] = props
        shaped.append(out)
    applied = request.body_type if request.body_type in ("text", "html") else None
    return Response(200, page(shaped, request, top(request, 10, 1000), token="$skip"),
                    {"Preference-Applied": f'outlook.body-content-type="{applied}"'}
                    if applied else {})


def _body_as(body: dict[str, Any], wanted: str | None) -> dict[str, str]:
    """A message body in the format the request prefers: HTML unless it asks for text."""
    content = str(body.get("content") or "")
    if str(body.get("contentType") or "").lower() == "html":
        return ({"contentType": "text", "content": html_to_text(content)} if wanted == "text"
                else {"contentType": "html", "content": content})
    return ({"contentType": "text", "content": content} if wanted == "text"
            else {"contentType": "html", "content": plain_text_html(content)})


def update_message(tenant: TenantState, uid: str, message_id: str, request: Request
                   ) -> Response:
    """PATCH a message: isRead, categories, flag, importance (what clients change)."""
    body = request.body if isinstance(request.body, dict) else {}
    unknown = set(body) - {"isRead", "categories", "flag", "importance"}
    if unknown:
        raise bad_request(f"The property '{sorted(unknown)[0]}' does not exist on type "
                          "'Microsoft.OutlookServices.Message'.", "RequestBodyRead")
    for folder in (tenant.state["messages"].get(uid) or {}).values():
        for message in folder:
            if message.get("id") == message_id:
                message.update(copy.deepcopy(body))
                return Response(200, {k: v for k, v in message.items()
                                      if not k.startswith("_")})
    raise GraphFault(404, "ErrorItemNotFound", "The specified object was not found in the store.")


# -- how mail arrives (tests and the demo) ----------------------------------------------------

SANDBOX_BASE = "https://graph.sandbox.invalid/v1.0"


def deliver(tenant: TenantState, to: str, *, sender: str, sender_name: str = "",
            subject: str, body: str, content_type: str = "text",
            headers: tuple[tuple[str, str], ...] = (), attachments: int = 0) -> dict[str, Any]:
    """A message arriving in ``to``'s inbox from anywhere (outside the tenant, a mail server's
    out-of-office or bounce): any headers, as SMTP would carry them. Returns the stored copy."""
    user = tenant.mailbox(to)
    message: dict[str, Any] = {
        "subject": subject, "body": {"contentType": content_type, "content": body},
        "toRecipients": [{"emailAddress": {"address": to}}],
        "attachments": _attachments(attachments),
    }
    stored = _message(tenant, message, sender_name or sender, sender, tenant.now())
    stored["internetMessageHeaders"] += [{"name": n, "value": v} for n, v in headers]
    stored.update(id=tenant.new_id("message"), isRead=False)
    tenant.folder(user["id"], "inbox").append(stored)
    return stored


def compose(tenant: TenantState, person: str, to: list[str], subject: str, body_html: str,
            *, attachments: int = 0, cc: list[str] | None = None) -> None:
    """``person`` writes a new mail in Outlook and sends it (through sendMail, as a client
    does: no headers of ours)."""
    user = tenant.mailbox(person)
    payload: dict[str, Any] = {"message": {
        "subject": subject, "body": {"contentType": "html", "content": body_html},
        "toRecipients": [{"emailAddress": {"address": a}} for a in to],
        "ccRecipients": [{"emailAddress": {"address": a}} for a in cc or []],
        "attachments": _attachments(attachments)}}
    send_mail(tenant, user["id"], Request("POST", f"/users/{user['id']}/sendMail", {}, {},
                                          payload, SANDBOX_BASE))


def _attachments(count: int) -> list[dict[str, Any]]:
    return [{"@odata.type": "#microsoft.graph.fileAttachment", "name": f"file{n}.pdf",
             "contentBytes": "JVBERi0=", "isInline": False} for n in range(count)]


def reply(tenant: TenantState, person: str, message: dict[str, Any], text: str, *,
          reply_all: bool = False, attachments: int = 0) -> None:
    """``person`` answers ``message`` from Outlook: to its replyTo (else its sender), subject
    "RE: ...", their text above Outlook's divider and the quoted original, through sendMail
    like any client."""
    user = tenant.mailbox(person)
    original = message.get("from") or {}
    to = copy.deepcopy(message.get("replyTo") or [original])
    cc: list[Any] = []
    if reply_all:
        mine = str(user["mail"]).lower()
        cc = [r for r in (message.get("toRecipients") or []) + (message.get("ccRecipients")
                                                                 or [])
              if str((r.get("emailAddress") or {}).get("address") or "").lower() != mine]
    quoted = (message.get("body") or {}).get("content", "")
    if str((message.get("body") or {}).get("contentType") or "").lower() != "html":
        quoted = html.escape(quoted).replace("\n", "<br>")
    sender = (original.get("emailAddress") or {})
    written = "".join(f"<div>{html.escape(line) or '<br>'}</div>" for line in text.split("\n"))
    content = (
        f"<html><body>{written}<div id=\"appendonsend\"></div>"
        "<hr style=\"display:inline-block;width:98%\" tabindex=\"-1\">"
        f"<div id=\"divRplyFwdMsg\" dir=\"ltr\"><b>From:</b> "
        f"{html.escape(str(sender.get('name') or ''))} "
        f"&lt;{html.escape(str(sender.get('address') or ''))}&gt;<br>"
        f"<b>Sent:</b> {html.escape(str(message.get('sentDateTime') or ''))}<br>"
        f"<b>Subject:</b> {html.escape(str(message.get('subject') or ''))}</div>"
        f"<div>{quoted}</div></body></html>")
    payload: dict[str, Any] = {"message": {
        "subject": "RE: " + str(message.get("subject") or ""),
        "body": {"contentType": "html", "content": content},
        "toRecipients": to, "ccRecipients": cc, "attachments": _attachments(attachments)}}
    send_mail(tenant, user["id"], Request("POST", f"/users/{user['id']}/sendMail", {}, {},
                                          payload, SANDBOX_BASE))
