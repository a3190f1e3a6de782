"""413 that every client reads: a client that sends its whole oversized body before it
reads the answer (urllib, a raw socket) gets the 413, not a connection reset, because the
server reads and drops the rest of the body (up to a bound and a time limit) before it
answers, as nginx's lingering close does. Against a live server on loopback."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from api.app import create_app
from api.middleware import BodyLimit
from api.settings import Settings
from corpus.limits import DRAIN_BYTES
from tests.helpers import live_server

LIMIT = 50_000
BIG = 8_000_000  # far more than the socket buffers on loopback hold


@pytest.fixture(scope="module")
def url(small_index) -> Iterator[str]:
    index_dir, opener = small_index
    app = create_app(Settings(index_dir=index_dir, max_body_bytes=LIMIT), opener)
    with live_server(app) as base:
        yield base


def _host_port(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def _read_response(sock: socket.socket, timeout: float = 30) -> bytes:
    """Everything up to the end of the first response's body (Content-Length)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def _error_type(response: bytes) -> str:
    return str(json.loads(response.partition(b"\r\n\r\n")[2])["error"]["type"])


def test_urllib_gets_the_413(url: str) -> None:
    request = urllib.request.Request(
        f"{url}/suggest", data=b"x" * BIG, headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)
    assert caught.value.code == 413
    assert json.loads(caught.value.read())["error"]["type"] == "body_too_large"


def test_a_raw_socket_that_sends_everything_first_gets_the_413(url: str) -> None:
    head = "POST /suggest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    with socket.create_connection(_host_port(url)) as sock:
        sock.sendall(f"{head}Content-Length: {BIG}\r\n\r\n".encode() + b"x" * BIG)
        response = _read_response(sock)
        assert _status(response) == 413 and _error_type(response) == "body_too_large"
        # the whole body was read: the connection stays usable
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _status(_read_response(sock)) == 200


def test_a_chunked_body_without_length_gets_the_413(url: str) -> None:
    head = "POST /suggest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    piece = b"x" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(BIG // len(piece)))
    with socket.create_connection(_host_port(url)) as sock:
        sock.sendall(head.encode() + body + b"0\r\n\r\n")
        response = _read_response(sock)
        assert _status(response) == 413 and _error_type(response) == "body_too_large"


def test_a_body_past_the_drain_bound_is_refused_at_once(url: str) -> None:
    """Nothing is read when the declared length is more than the server would drain: a
    client that reads first (or sends Expect: 100-continue) gets the 413 straight away."""
    with socket.create_connection(_host_port(url)) as sock:
        head = f"POST /suggest HTTP/1.1\r\nHost: x\r\nContent-Length: {DRAIN_BYTES + 1}\r\n"
        sock.sendall(head.encode() + b"\r\n")
        response = _read_response(sock, timeout=5)
        assert _status(response) == 413 and b"connection: close" in response.lower()
    with socket.create_connection(_host_port(url)) as sock:
        sock.sendall(
            b"POST /suggest HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            b"Content-Length: 200000\r\n\r\n"
        )
        response = _read_response(sock, timeout=5)
        assert _status(response) == 413  # no "100 Continue" first: the body is not wanted


async def _echo_length(scope: Scope, receive: Receive, send: Send) -> None:
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await PlainTextResponse(str(size))(scope, receive, send)


def test_a_client_that_stalls_gets_the_413_after_the_time_limit() -> None:
    app = BodyLimit(_echo_length, limit=1000, drain_seconds=0.5)
    with live_server(app) as base, socket.create_connection(_host_port(base)) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"x" * 5000)
        t = time.monotonic()
        response = _read_response(sock, timeout=10)
        assert _status(response) == 413 and b"connection: close" in response.lower()
        assert 0.4 < time.monotonic() - t < 5
        sock.settimeout(5)
        assert sock.recv(1) == b""  # and the server closed the connection
    with live_server(app) as base:  # under the limit: the body reaches the app
        request = urllib.request.Request(base, data=b"x" * 999)
        assert urllib.request.urlopen(request, timeout=10).read() == b"999"
