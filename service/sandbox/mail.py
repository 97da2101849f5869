"""The sandbox's mail: sendMail delivery inside the tenant, and reading mail folders."""

from __future__ import annotations

import copy
from typing import Any

from service.sandbox.bodies import preview
from service.sandbox.odata import expanded_ext_props, page, parse_filter, select, top
from service.sandbox.schemas import action_params, property_names, validate_body
from service.sandbox.state import TenantState
from service.sandbox.wire import GraphFault, Request, Response, bad_request, iso_utc

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
    sender = tenant.state["users"][uid]
    now = iso_utc(tenant.now())
    content = (message.get("body") or {}).get("content", "")
    kind = (message.get("body") or {}).get("contentType", "text")
    stored = {
        **copy.deepcopy(message),
        "from": {"emailAddress": {"name": sender["displayName"], "address": sender["mail"]}},
        "sender": {"emailAddress": {"name": sender["displayName"], "address": sender["mail"]}},
        "sentDateTime": now,
        "receivedDateTime": now,
        "createdDateTime": now,
        "bodyPreview": preview(content, kind),
        "isDraft": False,
        "internetMessageId": f"<{tenant.new_id('internet')}@sandbox.invalid>",
    }
    delivered = set()
    for recipient in recipients:
        address = ((recipient.get("emailAddress") or {}).get("address") or "").lower()
        user = tenant.find_user(address)
        if user is None or user["id"] in delivered:
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


def list_messages(tenant: TenantState, uid: str, folder: str | None, request: Request
                  ) -> Response:
    """Messages of a folder (or all folders), newest first, with $filter/$select/$top."""
    wanted = parse_filter(request.option("filter"))
    names = [folder_name(folder)] if folder else list(WELL_KNOWN)
    items = [m for name in names for m in tenant.folder(uid, name) if wanted.matches(m)]
    items.sort(key=lambda m: m.get("receivedDateTime", ""), reverse=True)
    shaped = []
    for message in items:
        out: dict[str, Any] = {k: copy.deepcopy(v) for k, v in message.items()
                               if not k.startswith("_")}
        props = expanded_ext_props(message, request)
        out.pop("singleValueExtendedProperties", None)
        out = select(out, request, known=property_names("microsoft.graph.message"),
                     type_name="Microsoft.OutlookServices.Message")
        if props is not None:
            out["singleValueExtendedProperties"] = props
        shaped.append(out)
    return Response(200, page(shaped, request, top(request, 10, 1000), token="$skip"))


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
