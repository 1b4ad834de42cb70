"""In-flight request counting, shared by every served simulator (``runner.build_apps``).

A client that timed out has gone, but its request may still be running in the simulator (a hung
``POST`` that stores its report when the hang ends). Counting what a system holds is only honest
once every such request has ended, and a reset must not let one land in the next test's data.

- ``GET /_sim/inflight[?wait_s=S]`` → ``{"inflight": n, "started": n, "finished": n}``; with
  ``wait_s``, answers as soon as nothing is in flight (or after ``S`` seconds, whatever is left).
- ``POST /_sim/reset`` first waits until nothing is in flight (at most ``reset_wait_s``; if
  requests are still running then, it answers 409 and resets nothing).

Only the real-contract routes are counted, never ``/_sim/*``. A plain ASGI middleware (no
``BaseHTTPMiddleware``), so a request whose client disconnected still runs to its end here.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

_POLL_S = 0.01


class InflightMiddleware:
    def __init__(self, app: ASGIApp, reset_wait_s: float = 120.0) -> None:
        self.app = app
        self.reset_wait_s = reset_wait_s
        self.inflight = self.started = self.finished = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == "/_sim/inflight":
            query = parse_qs(scope.get("query_string", b"").decode())
            try:
                wait_s = float(query.get("wait_s", ["0"])[0])
            except ValueError:
                await _json(send, 422, {"detail": "wait_s must be a number of seconds"})
                return
            await self.idle(wait_s)
            await _json(send, 200, self.counts())
            return
        if path.startswith("/_sim/"):
            if path == "/_sim/reset" and not await self.idle(self.reset_wait_s):
                await _json(send, 409, {"detail": "requests still in flight", **self.counts()})
                return
            await self.app(scope, receive, send)
            return
        self.inflight += 1
        self.started += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.inflight -= 1
            self.finished += 1

    def counts(self) -> dict[str, int]:
        return {"inflight": self.inflight, "started": self.started, "finished": self.finished}

    async def idle(self, wait_s: float) -> bool:
        """True once nothing is in flight; False if ``wait_s`` passed first."""
        # Polling, not an Event: in-process tests drive one app from several event loops.
        deadline = time.monotonic() + max(wait_s, 0.0)
        while self.inflight and time.monotonic() < deadline:  # noqa: ASYNC110 - see above
            await asyncio.sleep(_POLL_S)
        return self.inflight == 0


async def _json(send: Send, status: int, body: Mapping[str, object]) -> None:
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})
