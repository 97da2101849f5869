"""The plumbing under every Graph call: one request through msgraph-sdk's adapter (auth,
middleware, the configured base URL), paging, ``$batch``, and errors translated.

Only the configured Graph is asked: a link from a response (or stored since) that names
another host is not followed, and the token provider withholds the token from one too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from kiota_abstractions.method import Method
from kiota_abstractions.native_response_handler import NativeResponseHandler
from kiota_abstractions.request_information import RequestInformation
from kiota_http.middleware import options as kiota_options

from service.domain.text import loads_clean
from service.errors import GraphError, ServiceError, Unreachable
from service.graph.auth import origin
from service.graph.batch import BatchItem, BatchResult, run_batch
from service.graph.errors import parse_error_body, translate
from service.graph.transport import NOT_SENT, GraphTransport, mailbox_of, parse_retry_after

log = logging.getLogger(__name__)

_METHODS = {m.value: m for m in Method}
# Middleware steps that only cost CPU here: copying every header into a collection no one
# reads, re-parsing the URL to replace "/users/TokenToReplace" (never sent). Shared, read-only.
_QUIET_MIDDLEWARE = (kiota_options.HeadersInspectionHandlerOption(False, False),
                     kiota_options.UrlReplaceHandlerOption(enabled=False))
# 424 Failed Dependency: the status of a $batch reply some of whose requests failed (see _batch).
_BATCH_FAILED = frozenset({424})


def graph_path(*segments: str) -> str:
    """A path of URL-quoted segments (an id may hold "/", "+" or "=")."""
    return "/" + "/".join(quote(s, safe="@.") for s in segments)


class GraphPlumbing:
    """Requests, pages and batches; GraphClient builds every call on these."""


    def __init__(self, adapter: Any, transport: GraphTransport, tokens: Any = None) -> None:
        self._adapter, self.transport = adapter, transport
        # The token provider, told to forget a token Graph refused (see ``request``).
        self._tokens = tokens
        self._origin = origin(adapter.base_url)

    def app_roles(self) -> frozenset[str] | None:
        """The application permissions in the app's token (its ``roles`` claim), as Entra
        last issued it; None when unknown (the sandbox's token, or none yet)."""
        roles = getattr(self._tokens, "roles", None)
        return roles() if callable(roles) else None

    def ours(self, link: str) -> bool:
        """Whether a link (a page or delta link from Graph, or one stored since) points at
        the configured Graph: the app's token is sent with it, so no other host is asked."""
        try:
            return origin(link) == self._origin
        except (ValueError, TypeError, AttributeError):
            return False

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        url: str | None = None,
        refused: bool = False,
        envelope_on: frozenset[int] = frozenset(),
    ) -> Any:
        """Send one request; return the decoded JSON (None for 202/204) or raise GraphError.

        A 401 is sent again once with a new token (``refused`` marks the second try): a
        token can be revoked or rotated before it expires, and a 401 means Graph did nothing
        with the request, so even a sendMail is safe to repeat. A status in ``envelope_on``
        whose body is a ``$batch`` reply (a ``responses`` list) returns that reply."""
        info = RequestInformation(_METHODS[method.upper()])
        if url:
            if not self.ours(url):
                raise GraphError(
                    f"Microsoft Graph returned a link to {httpx.URL(url).host or url!r} for "
                    f"{method} {path}, not to {self._adapter.base_url}; it is not followed "
                    "(the app's token would go with it). Check [microsoft] graph_url.",
                    mailbox=mailbox_of(path) or "")
            info.url = url
        else:
            # The URL, not a "{+baseurl}..." template kiota expands anew at each of its three
            # reads of it (a fifth of a request's CPU) to this same string.
            qs = ("?" + urlencode(query, quote_via=quote, safe="$()'")) if query else ""
            info.url = self._adapter.base_url + path + qs.replace("{", "%7B").replace("}", "%7D")
        info.headers.try_add("Accept", "application/json")
        for name, value in (headers or {}).items():
            info.headers.try_add(name, value)
        if body is not None:
            info.set_stream_content(json.dumps(body).encode(), "application/json")
        info.add_request_options([kiota_options.ResponseHandlerOption(NativeResponseHandler()),
                                  *_QUIET_MIDDLEWARE])
        try:
            response: httpx.Response = await self._adapter.send_primitive_async(info, "bytes", {})
        except ServiceError:
            raise
        except httpx.HTTPError as exc:
            # Unreachable when no connection was made: nothing was sent (see NOT_SENT).
            raise (Unreachable if isinstance(exc, NOT_SENT) else GraphError)(
                f"Could not reach Microsoft Graph for {method} {path} ({type(exc).__name__}). "
                "Check the network, [microsoft] graph_url, and HTTPS_PROXY / NO_PROXY where "
                "Microsoft is reached through a proxy.",
                mailbox=mailbox_of(path) or "",
            ) from exc
        if response.status_code == 401 and not refused and getattr(
                self._tokens, "forget", None) is not None:
            log.warning("graph.token_refused", extra={"method": method, "path": path})
            sent = (response.request.headers.get("Authorization", "") if response.request
                    else "").removeprefix("Bearer ")
            if self._tokens.forget(sent):
                return await self.request(method, path, query=query, body=body,
                                          headers=headers, url=url, refused=True,
                                          envelope_on=envelope_on)
        if response.status_code in envelope_on and response.content:
            try:
                reply = self._decode(response.content, path)
            except ValueError:  # not JSON (a gateway's page): Graph's error, said below
                reply = None
            if isinstance(reply, dict) and isinstance(reply.get("responses"), list):
                return reply
        if response.status_code >= 400:
            code, message = parse_error_body(response.content)
            raise translate(
                status=response.status_code,
                code=code,
                message=message,
                method=method.upper(),
                path=response.request.url.path if response.request else path,
                mailbox=mailbox_of(path or response.request.url.path) or "",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                roles=self.app_roles(),
            )
        if response.status_code in (202, 204) or not response.content:
            return None
        return self._decode(response.content, path)

    @staticmethod
    def _decode(content: bytes, path: str) -> Any:
        # Text from Graph is normalised here, once, for everything behind it (see
        # domain/text.py): a lone surrogate or NUL in one note must not stop every run.
        data, changed = loads_clean(content)
        if changed:
            log.warning("graph.text_cleaned", extra={"path": path, "mailbox": mailbox_of(path),
                                                     "strings": changed})
        return data

    async def _pages(self, path: str, query: dict[str, str] | None = None,
                     headers: dict[str, str] | None = None) -> AsyncIterator[dict[str, Any]]:
        """Every item of a paged collection, following @odata.nextLink."""
        page = await self.request("GET", path, query=query, headers=headers)
        while True:
            for item in page.get("value", []):
                yield item
            next_link = page.get("@odata.nextLink")
            if not next_link:
                return
            page = await self.request("GET", path, url=next_link, headers=headers)

    async def _batch(self, items: Sequence[BatchItem]) -> dict[str, BatchResult]:
        """Run sub-requests as $batch calls (see graph/batch.py)."""
        async def send(payload: dict[str, Any]) -> Any:
            # Graph's throttling guide says a batch holding a throttled request itself fails
            # with 424, its sub-responses (429s with their Retry-After, and the others'
            # results) in the body, where JSON batching's page says 200: both are read.
            return await self.request("POST", "/$batch", body=payload,
                                      envelope_on=_BATCH_FAILED)

        return await run_batch(send, items, limiter=self.transport.mailboxes,
                               policy=self.transport.policy)

    def _batch_error(self, item: BatchItem, result: BatchResult) -> GraphError:
        """The translated error of a failed sub-request."""
        body = result.body if isinstance(result.body, dict) else {}
        error = body.get("error") or {}
        return translate(
            status=result.status,
            code=str(error.get("code") or ""),
            message=str(error.get("message") or ""),
            method=item.method,
            path=item.url.split("?")[0],
            mailbox=mailbox_of(item.url) or "",
            retry_after=parse_retry_after(
                {k.lower(): v for k, v in result.headers.items()}.get("retry-after")),
            roles=self.app_roles(),
        )
