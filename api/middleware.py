"""ASGI middleware: request body limit (413), request log and metrics.

The log line has method, route, status and time only: never the query string or body,
which can carry PHI.
"""

from __future__ import annotations

import logging
import time

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import BodyTooLarge, response_for
from api.metrics import Metrics
from corpus.limits import DRAIN_BYTES, DRAIN_SECONDS

logger = logging.getLogger("medcode.access")


class BodyLimit:
    """Refuse bodies over ``limit`` bytes (413), by Content-Length or while they stream in.

    The body (at most ``limit`` bytes) is read before the app runs, so a streamed body
    without Content-Length is refused before any handler sees it.

    Before the 413 goes out, the rest of the body is read and dropped (up to
    ``drain_bytes`` in all, for at most ``drain_seconds``), as nginx's lingering close
    does: a client that sends its whole body before it reads the answer (Python's urllib,
    many simple HTTP libraries) would otherwise get a connection reset, because closing a
    socket with unread data makes the kernel send RST, and the 413 is lost with it. A body
    declared larger than ``drain_bytes``, or sent with ``Expect: 100-continue`` (the
    client waits for the answer before it sends), is refused at once; when the body was
    not read to its end, the 413 closes the connection.
    """

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        drain_bytes: int = DRAIN_BYTES,
        drain_seconds: float = DRAIN_SECONDS,
    ) -> None:
        self.app, self.limit = app, limit
        self.drain_bytes, self.drain_seconds = drain_bytes, drain_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            waits = headers.get(b"expect", b"").lower() == b"100-continue"
            if waits or int(length) > self.drain_bytes:
                await self._refuse(scope, receive, send, drained=False)
            else:
                await self._refuse(scope, receive, send, await self._drain(receive, 0))
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
                done = not message.get("more_body", False) or await self._drain(receive, seen)
                await self._refuse(scope, receive, send, done)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)

    async def _drain(self, receive: Receive, seen: int) -> bool:
        """Read and drop the rest of the body; whether it was read to its end."""
        with anyio.move_on_after(self.drain_seconds):
            while seen <= self.drain_bytes:
                message = await receive()
                if message["type"] != "http.request":
                    return False  # the client went away
                seen += len(message.get("body", b""))
                if not message.get("more_body", False):
                    return True
        return False

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, drained: bool) -> None:
        too_large = BodyTooLarge(f"the request body is larger than {self.limit} bytes")
        response = response_for(too_large)
        if not drained:  # unread bytes may follow: this connection cannot serve another
            response.headers["Connection"] = "close"
        await response(scope, receive, send)


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
