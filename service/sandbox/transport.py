"""``SandboxTransport``: an httpx transport answering every request from a SandboxTenant.

It plugs under msgraph-sdk's (or any) httpx client, so production code runs unchanged
against the sandbox: the demo, the CLI in sandbox mode and the end-to-end tests. It turns
raw HTTP into the sandbox's requests (bearer token, JSON body, version prefix) and answers
with Graph's headers and error shape.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import datetime
from typing import Any

import httpx

from service.sandbox.routing import SandboxTenant, strip_version, throttled
from service.sandbox.state import NAMESPACE
from service.sandbox.wire import UTC, Request, Response, error_body, parse_query

BAD_TOKEN = "sandbox-bad-token"
# Graph refuses a request body over 4 MB (413, "The maximum request length supported is
# 4MB."), whatever the workload behind it would take: a sendMail or an event PATCH included.
MAX_REQUEST_BYTES = 4 * 1024 * 1024


class SandboxTransport(httpx.AsyncBaseTransport, httpx.BaseTransport):
    """An httpx transport answering every request from a SandboxTenant.

    Any host is accepted; the path must start with ``/v1.0`` or ``/beta``. There is one
    code path, the async one; a sync client is served by running it to completion.
    """

    def __init__(self, tenant: SandboxTenant) -> None:
        self.tenant = tenant

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Per-mailbox concurrency, latency as ``asyncio.sleep``, autosave on a change."""
        tenant = self.tenant
        content = await request.aread()
        parsed = _parse(request.method, request.url, request.headers, content)
        if isinstance(parsed, Response):
            return _http(parsed, request, tenant.now())
        key = tenant.mailbox_key(parsed.path)
        if not tenant.acquire(key):
            return _http(throttled(), request, tenant.now())
        try:
            if tenant.latency:
                await asyncio.sleep(tenant.latency)
            response = _http(tenant.dispatch(parsed), request, tenant.now())
            if tenant.autosave is not None and request.method != "GET":
                # Like Graph, a change is durable once answered: a client killed right
                # after still finds it next time.
                tenant.save(tenant.autosave)
            return response
        finally:
            tenant.release(key)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """A sync client (the memory benchmark's loopback server): the async path, run here."""
        request.read()
        return asyncio.run(self.handle_async_request(request))

    async def aclose(self) -> None:
        return None

    def close(self) -> None:
        return None


def _parse(method: str, url: httpx.URL, headers: httpx.Headers, content: bytes
           ) -> Request | Response:
    """A Request from raw HTTP, or the error Response for bad auth or a bad body."""
    auth = headers.get("authorization", "")
    if not auth.lower().startswith("bearer ") or not auth[7:].strip():
        return Response(401, error_body("InvalidAuthenticationToken",
                                         "Access token is empty."))
    if auth[7:].strip() == BAD_TOKEN:
        return Response(401, error_body("InvalidAuthenticationToken",
                                         "Access token validation failure. Invalid audience."))
    raw_path = url.raw_path.decode("ascii", "replace")
    path_part, _, query = raw_path.partition("?")
    version = re.match(r"^/(v1\.0|beta)", path_part, re.I)
    base = f"{url.scheme}://{url.netloc.decode('ascii')}" + (f"/{version.group(1)}"
                                                            if version else "/v1.0")
    if len(content) > MAX_REQUEST_BYTES:
        return Response(413, error_body("RequestEntityTooLarge",
                                         "The maximum request length supported is 4MB."))
    body: Any = None
    if content:
        try:
            body = json.loads(content)
        except ValueError:
            return Response(400, error_body("BadRequest", "Unable to read JSON request "
                                                           "payload. Please ensure Content-Type "
                                                           "header is set and payload is of valid "
                                                           "JSON format."))
    return Request(method=method.upper(), path=strip_version(path_part),
                   query=parse_query(query), body=body, base=base,
                   headers={k.lower(): v for k, v in headers.items()})


def _http(response: Response, request: httpx.Request, now: datetime) -> httpx.Response:
    """An httpx.Response with Graph's headers, and innerError filled in on errors."""
    client_id = request.headers.get("client-request-id") or str(
        uuid.uuid5(NAMESPACE, f"client|{request.url}|{id(request)}"))
    request_id = str(uuid.uuid5(NAMESPACE, f"request|{client_id}|{id(request)}"))
    headers = {"request-id": request_id, "client-request-id": client_id,
               **response.headers}
    body = _with_inner(response.body, request_id, client_id, now)
    if body is None:
        return httpx.Response(response.status, headers=headers, request=request)
    headers["Content-Type"] = "application/json"
    return httpx.Response(response.status, headers=headers,
                          content=json.dumps(body).encode(), request=request)


def _with_inner(body: Any, request_id: str, client_id: str, now: datetime) -> Any:
    """Graph's ``innerError`` on every error object, batch responses included."""
    if not isinstance(body, dict):
        return body
    if isinstance(body.get("error"), dict) and "code" in body["error"]:
        error = dict(body["error"])
        error.setdefault("innerError", {
            "date": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "request-id": request_id, "client-request-id": client_id,
        })
        return {**body, "error": error}
    if isinstance(body.get("responses"), list):
        return {**body, "responses": [
            {**r, "body": _with_inner(r.get("body"), request_id, client_id, now)}
            if "body" in r else r for r in body["responses"]]}
    return body
