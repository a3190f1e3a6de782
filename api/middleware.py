"""ASGI middleware: request body limit (413), request log and metrics.

The log line has method, route, status and time only: never the query string or body,
which can carry PHI.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import BodyTooLarge, response_for
from api.metrics import Metrics

logger = logging.getLogger("medcode.access")


class BodyLimit:
    """Refuse bodies over ``limit`` bytes (413), by Content-Length or while they stream in.

    The body (at most ``limit`` bytes) is read before the app runs, so a streamed body
    without Content-Length is refused before any handler sees it.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        too_large = BodyTooLarge(f"the request body is larger than {self.limit} bytes")
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await response_for(too_large)(scope, receive, send)
            return
        buffered: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break  # the client went away
            seen += len(message.get("body", b""))
            if seen > self.limit:
                await response_for(too_large)(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)


class AccessLog:
    """Count, time and log every request by its route template."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t = time.perf_counter()
        status = 500
        self.metrics.in_flight.inc()

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            self.metrics.in_flight.dec()
            elapsed = time.perf_counter() - t
            route = _route(scope)
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(elapsed)
            logger.info("%s %s %d %.1fms", scope["method"], route, status, elapsed * 1000)


def _route(scope: Scope) -> str:
    """The route template (``/codes/{system}/{code}``), so labels stay few and PHI-free."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "<unmatched>"
