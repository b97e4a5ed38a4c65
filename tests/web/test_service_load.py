"""Many requests at once on a real server: more than the thread pool has threads, all of them
answered (none left waiting for a database connection that a request holding it cannot give
back for want of a thread), each read logged under s.62."""

from __future__ import annotations

import asyncio
import time

import anyio.to_thread
import httpx
from fastapi import FastAPI
from service_world import World, client_for
from sqlalchemy import func, select
from test_service_browser import server

from crimeplan.provenance.dblog import AuditEntry

__all__ = ["server"]


def test_a_burst_beyond_the_thread_pool_is_answered(app: FastAPI, world: World,
                                                   server: str) -> None:
    signed_in = client_for(app, world, "police-caseworker")
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in signed_in.cookies.items()),
               "X-Purpose": "case-management"}
    person = world.people["shared"]

    async def fire() -> list[int]:
        burst = 3 * int(anyio.to_thread.current_default_thread_limiter().total_tokens)
        async with httpx.AsyncClient(base_url=server, timeout=120,
                                     limits=httpx.Limits(max_connections=burst)) as http:
            answers = await asyncio.gather(*(http.get(f"/api/v1/people/{person}",
                                                      headers=headers) for _ in range(burst)))
        return [a.status_code for a in answers]

    start = time.monotonic()
    statuses = asyncio.run(fire())
    burst = len(statuses)
    assert burst >= 120 and statuses == [200] * burst
    assert time.monotonic() - start < 60  # no request waited out the connection pool
    with app.state.db.session() as s:
        reads = s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.category == "consultation", AuditEntry.subject_id == person))
    assert reads == burst
