"""A gate on how many requests run at once, so that the thread pool can never deadlock.

Routes and their dependencies are synchronous: each step of a request takes one of the thread
pool's tokens (anyio's default limiter), and a request holds a database connection across
several steps. Without a gate, a burst of requests could take every token while waiting for a
connection, and the request holding the connection could then never get a token to finish and
give it back (the requests time out together after the pool's wait). With at most as many
requests inside as there are tokens, every request inside can always get one; the rest wait at
the gate, in the event loop, taking no thread and no connection.
"""

from __future__ import annotations

import anyio
import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send


class ConcurrencyGate:
    """Lets at most the thread pool's size of HTTP requests into the app at once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._gate: anyio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._gate is None:  # made in the event loop that serves, sized to its pool
            tokens = int(anyio.to_thread.current_default_thread_limiter().total_tokens)
            self._gate = anyio.Semaphore(tokens)
        async with self._gate:
            await self.app(scope, receive, send)
