"""The directory calls of the Graph port: users with their managers, a group's members,
one user by address, and the changes since the last read (users/delta)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from service.domain.directory import DirectoryDelta, UserChange
from service.domain.events import DirectoryUser
from service.errors import GraphError
from service.graph import wire
from service.graph.batch import BatchItem
from service.graph.plumbing import GraphPlumbing
from service.graph.plumbing import graph_path as _path
from service.graph.user_lookup import alias_url, user_url
from service.graph.wire import USER_FIELDS

log = logging.getLogger(__name__)


class DirectoryCalls(GraphPlumbing):
    """Who is there, and who manages whom."""

    async def list_users(
        self, group_id: str | None = None, *, with_managers: bool = True
    ) -> list[DirectoryUser]:
        """Users in scope with their manager's id: a group's members, or every user."""
        if group_id:
            path = _path("groups", group_id, "transitiveMembers", "microsoft.graph.user")
            query = wire.group_users_query(USER_FIELDS)
            members = [u async for u in self._pages(path, query, headers=wire.ADVANCED_QUERY)]
            if not with_managers:
                return [wire.user(u, None) for u in members]
            managers = await self._managers_of([u["id"] for u in members])
            return [wire.user(u, managers.get(u["id"])) for u in members]
        query = {"$select": USER_FIELDS, "$expand": "manager($select=id)", "$top": "999"}
        return [
            wire.user(u, wire.manager_id(u))
            async for u in self._pages("/users", query)
        ]

    async def _managers_of(self, user_ids: Sequence[str]) -> dict[str, str | None]:
        items = [
            BatchItem(id=uid, method="GET", url=_path("users", uid, "manager") + "?$select=id")
            for uid in user_ids
        ]
        results = await self._batch(items)
        out: dict[str, str | None] = {}
        for item in items:
            result = results[item.id]
            if result.status == 200:
                out[item.id] = result.body.get("id")
            elif result.status == 404:
                out[item.id] = None
            else:
                raise self._batch_error(item, result)
        return out

    async def find_users(self, keys: Sequence[str]) -> dict[str, DirectoryUser]:
        """Users by id, UPN or email address (an alias too: one Graph does not find as an id
        or UPN is looked for in users' proxyAddresses), batched; missing ones left out."""
        out = await self._users_found([(key, user_url(key)) for key in keys])
        missing = [key for key in keys if key not in out and "@" in key]
        if missing:
            out |= await self._users_found([(a, alias_url(a)) for a in missing], listed=True)
        return out

    async def _users_found(self, asks: Sequence[tuple[str, str]], listed: bool = False
                           ) -> dict[str, DirectoryUser]:
        """(key, user URL) -> user, batched: a GET of one user (404: none), or ``listed``, a
        filtered list of users (none, more than one, or a 400 for the address: left out)."""
        items = [BatchItem(id=str(i), method="GET", url=url) for i, (_k, url) in enumerate(asks)]
        results = await self._batch(items)
        out: dict[str, DirectoryUser] = {}
        for item, (key, _url) in zip(items, asks, strict=True):
            result = results[item.id]
            found = ((result.body or {}).get("value") or []) if listed else [result.body or {}]
            if result.status == 200 and len(found) == 1:
                out[key] = wire.user(found[0], wire.manager_id(found[0]))
            elif result.status == 200:
                continue  # no user, or several, with that address
            elif listed and result.status == 400:  # an address the filter cannot take
                log.warning("graph.alias_unsearchable", extra={"address": key})
            elif result.status != 404 or listed:
                raise self._batch_error(item, result)
        return out

    async def directory_changes(self, delta_link: str | None) -> DirectoryDelta:
        """Users changed since ``delta_link`` (users/delta), or every user when there is none
        or Graph no longer knows it (410 / syncStateNotFound / resyncRequired: a full read)."""
        changes: list[UserChange] = []
        if delta_link and not self.ours(delta_link):
            # Kept from another graph_url (a change of cloud or proxy): started over.
            log.warning("graph.link_elsewhere", extra={"path": "/users/delta"})
            delta_link = None
        full = not delta_link
        try:
            page = await (self.request("GET", "/users/delta", url=delta_link) if delta_link
                          else self.request("GET", "/users/delta",
                                            query={"$select": wire.USER_DELTA_SELECT}))
            # Graph may say the sync state is gone on any page of a round, not only its
            # first: the round's pages so far are dropped with it.
            while page.get("@odata.nextLink"):
                changes += [wire.user_change(u) for u in page.get("value", [])]
                page = await self.request("GET", "/users/delta", url=page["@odata.nextLink"])
        except GraphError as exc:
            if not delta_link or not wire.delta_expired(exc):
                raise
            log.warning("graph.delta_expired", extra={"path": "/users/delta", "error": str(exc)})
            return await self.directory_changes(None)
        changes += [wire.user_change(u) for u in page.get("value", [])]
        return DirectoryDelta(changes, page.get("@odata.deltaLink", ""), full)

    async def group_member_ids(self, group_id: str) -> set[str]:
        """The ids of a group's (transitive) user members: one request per 999."""
        path = _path("groups", group_id, "transitiveMembers", "microsoft.graph.user")
        return {u["id"] async for u in self._pages(path, wire.group_users_query("id"),
                                                   headers=wire.ADVANCED_QUERY)}
