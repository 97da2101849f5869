"""Packed free/busy calls at the HTTP level (respx): a pack refused outright is asked again
per organizer, so one manager's access never stops another's; a pack still throttled when
its retries ran out likewise, but not through the throttled mailbox (Exchange throttles per
mailbox: asking through it again now would only add to it)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from service.domain.events import ScheduleQuery
from service.graph.auth import StaticTokenProvider
from service.graph.factory import build_client
from service.jobs.freebusy_packs import Pack, ask

GRAPH = "https://graph.microsoft.com/v1.0"
START = datetime(2027, 3, 1, tzinfo=UTC)
END = START + timedelta(days=14)


def pack(*organizers: str) -> Pack:
    """One call asked through the first organizer, carrying each organizer and a report."""
    emails = [a for o in organizers for a in (f"{o}@x.example", f"{o}-r@x.example")]
    return Pack(organizers[0], emails, START, END, questions={
        o: ScheduleQuery(o, (f"{o}@x.example", f"{o}-r@x.example"), START, END)
        for o in organizers})


def free(schedules: list[str]) -> dict:
    return {"value": [{"scheduleId": s, "availabilityView": "", "scheduleItems": []}
                      for s in schedules]}


def refusal(status: int) -> dict:
    codes = {403: "ErrorAccessDenied", 429: "ApplicationThrottled"}
    return {"status": status, "headers": {"Retry-After": "1"},
            "body": {"error": {"code": codes[status], "message": "no"}}}


@pytest.mark.parametrize("status", [403, 429])
@respx.mock
def test_only_a_refused_pack_is_asked_again_per_organizer(status: int) -> None:
    """Mia's pack (hers and Zed's questions) fails; Kim's is answered. Refused (403): Mia and
    Zed are asked again through their own mailboxes, and Zed is answered. Throttled to the
    end of the retries (429): Zed is asked again through his own, Mia not (her calendars
    are unknown, None, for this run)."""
    through: list[str] = []  # the mailbox each getSchedule was asked through

    def batch(request: httpx.Request) -> httpx.Response:
        out = []
        for r in json.loads(request.content)["requests"]:
            through.append(r["url"].split("/")[2])
            if r["url"].startswith("/users/mia/"):
                out.append({"id": r["id"], **refusal(status)})
            else:
                out.append({"id": r["id"], "status": 200, "body": free(r["body"]["schedules"])})
        return httpx.Response(200, json={"responses": out})

    def single(request: httpx.Request) -> httpx.Response:
        through.append(request.url.path.split("/")[3])
        return httpx.Response(200, json=free(json.loads(request.content)["schedules"]))

    respx.post(f"{GRAPH}/$batch").mock(side_effect=batch)
    respx.post(url__regex=r".*/users/[^/]+/calendar/getSchedule$").mock(side_effect=single)

    async def no_sleep(_seconds: float) -> None:
        return None

    client = build_client(graph_url=GRAPH + "/", token_provider=StaticTokenProvider("tok"),
                          inner=httpx.AsyncHTTPTransport(), sleep=no_sleep)
    answers = asyncio.run(ask(client, [pack("mia", "zed"), pack("kim")]))
    assert answers["kim"] == {"kim@x.example": [], "kim-r@x.example": []}
    if status == 403:
        assert sorted(through) == ["kim", "mia", "mia", "zed"]
        assert answers["zed"] == {"zed@x.example": [], "zed-r@x.example": []}
        assert all(v is None for v in answers["mia"].values())
    else:  # the first try and the client's four retries through Mia's, then Zed's own
        assert sorted(through) == ["kim"] + ["mia"] * 5 + ["zed"]
        assert answers["zed"] == {"zed@x.example": [], "zed-r@x.example": []}
        assert all(v is None for v in answers["mia"].values())


@respx.mock
def test_a_single_pack_throttled_through_its_organizer_fails_only_hers() -> None:
    """The run's only pack (one getSchedule call, not a batch) asked through Mia's mailbox,
    which Graph keeps throttling: Zed's questions are asked again through his own mailbox
    and answered; Mia's calendars are unknown for this run (None), not an error failing
    every question in the pack (the absence check, the rebooking offers)."""
    through: list[str] = []

    def single(request: httpx.Request) -> httpx.Response:
        mailbox = request.url.path.split("/")[3]
        through.append(mailbox)
        if mailbox == "mia":
            return httpx.Response(429, headers={"Retry-After": "3600"}, json={"error": {
                "code": "ApplicationThrottled", "message": "Application is over its "
                                                          "MailboxConcurrency limit."}})
        return httpx.Response(200, json=free(json.loads(request.content)["schedules"]))

    respx.post(url__regex=r".*/users/[^/]+/calendar/getSchedule$").mock(side_effect=single)

    async def no_sleep(_seconds: float) -> None:
        return None

    client = build_client(graph_url=GRAPH + "/", token_provider=StaticTokenProvider("tok"),
                          inner=httpx.AsyncHTTPTransport(), sleep=no_sleep)
    answers = asyncio.run(ask(client, [pack("mia", "zed")]))
    assert through == ["mia", "zed"]
    assert answers["zed"] == {"zed@x.example": [], "zed-r@x.example": []}
    assert all(v is None for v in answers["mia"].values())
