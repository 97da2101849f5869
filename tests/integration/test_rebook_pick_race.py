"""Two workers handle the same booking mail (a duty hand-over, or `onetoone tick`
beside the worker). The one that checks the time after the other booked it must not tell
the manager "That time is no longer free" nor close the booked offer as expired."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from service.app import job_context
from service.jobs.rebook import handle_booking, is_booking
from tests.integration.test_agenda_loop import no_sleep
from tests.integration.test_rebook import BOX, MIA, World, cancelled_rob, links


def test_a_booking_handled_twice_at_once_gets_no_stale_mail(tmp_path, settings_for) -> None:
    world = World(tmp_path, settings_for)
    _rob, _first, now = cancelled_rob(world)
    (offer,) = world.offers(MIA)
    world.send(now, MIA, *links(offer)[0])
    at = now + timedelta(minutes=10)
    world.tenant.now = lambda: at

    async def go():
        opts = {"graph_options": {"sleep": no_sleep}, "sandbox": world.tenant}
        async with job_context(world.settings, at, **opts) as one, \
                job_context(world.settings, at, **opts) as two:
            two.worker_id = "other-host:4242"
            (message,) = [m for m in await one.graph.unread_messages(BOX) if is_booking(m)]
            done = asyncio.Event()
            check = two.graph.schedule_items

            async def slow_check(*args, **kwargs):  # worker two's getSchedule is slower
                await done.wait()
                return await check(*args, **kwargs)

            two.graph.schedule_items = slow_check

            async def first():
                try:
                    return await handle_booking(one, message, at)
                finally:
                    done.set()

            # Worker two reads the offer first, then waits on its getSchedule while worker
            # one books the pick from start to end.
            second = asyncio.ensure_future(handle_booking(two, message, at))
            await asyncio.sleep(0)
            return [await first(), await second]

    outcomes = asyncio.run(go())
    print(outcomes)
    assert outcomes[0][0].startswith("booked")
    assert len(world.rebook_events()) == 1
    (rebook,) = world.store.rebooks()
    keys = [m.key for m in world.store.outbox()]
    stale = [k for k in keys if k.endswith(":stale")]
    assert (rebook.status, stale) == ("booked", []), (rebook.status, stale)
