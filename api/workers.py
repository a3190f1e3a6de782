"""``medcode serve --workers N``: N server processes answering on one listening socket.

One process answers about as many requests as one core allows minus what Python's global
interpreter lock serializes; N processes use N cores, each with its own copy of the index
(memory grows by one index per worker). The parent binds the socket, starts the workers
and supervises them:

- ``SIGHUP`` to the parent reloads the live index in every worker; ``POST /admin/reload``
  reloads the worker that answered and then asks the parent to reload the others (a
  worker whose index is already the live version does nothing). Each worker switches
  atomically when its own load finishes, so for a few seconds two workers may answer
  from different versions.
- ``SIGTERM`` or ``SIGINT`` stops the workers gracefully, then the parent.
- ``/metrics`` in any worker reports all of them: the parent gives the workers a
  metrics folder of its own (``PROMETHEUS_MULTIPROC_DIR``; see ``api.metrics``) and
  removes it when it stops.
- A worker that dies is replaced (a replacement that cannot start is tried again every
  few seconds while the others serve); if the workers fail while the service starts (an
  index they cannot load), it stops with exit status 2.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import FrameType

from prometheus_client.multiprocess import mark_process_dead

from api.metrics import MULTIPROC_ENV
from api.settings import Settings

logger = logging.getLogger(__name__)

STOP_GRACE_S = 30.0
RETRY_S = 5.0  # a replacement that could not start is tried again after this long
_POLL_S = 0.2

# In a worker process: the supervisor's pid (None in a single-process server).
_supervisor: int | None = None


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket that worker processes can inherit (Nagle off)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto or socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # accepted connections inherit it: a response written in two parts is not held back
    # by Nagle's algorithm waiting for the client's delayed ACK (about 40 ms a request)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.set_inheritable(True)
    return sock


def notify_siblings() -> None:
    """After a reload through the API: have the supervisor reload the other workers."""
    if _supervisor is not None and os.getppid() == _supervisor:
        os.kill(_supervisor, signal.SIGHUP)


def _die_with_parent() -> None:
    """Linux: the kernel stops this worker if the supervisor dies without stopping it."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _worker(
    settings: Settings, sock: socket.socket, ready: Connection, supervisor: int, log_level: str
) -> None:
    """One server process (started with the spawn method: nothing inherited but args)."""
    global _supervisor
    _supervisor = supervisor
    _die_with_parent()
    import uvicorn

    from api.app import create_app
    from api.state import preloaded_opener
    from corpus.errors import MedcodeError

    try:
        opener = preloaded_opener(settings)
    except (MedcodeError, ValueError, OSError) as exc:
        print(f"medcode: error: {exc}", file=sys.stderr)
        sys.exit(2)

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                ready.send(True)
                ready.close()

    config = uvicorn.Config(create_app(settings, opener), log_level=log_level, access_log=False)
    Server(config).run(sockets=[sock])


@dataclass
class _Worker:
    process: BaseProcess
    ready_pipe: Connection
    ready: bool = False

    def started(self) -> bool:
        """Whether it has served (or can serve) requests."""
        if not self.ready and self.ready_pipe.poll():
            with contextlib.suppress(EOFError):  # EOF: it exited before it was ready
                self.ready = bool(self.ready_pipe.recv())
        return self.ready


class Supervisor:
    """Starts, watches, signals and stops the worker processes."""

    def __init__(self, settings: Settings, sock: socket.socket, log_level: str) -> None:
        self.settings, self.sock, self.log_level = settings, sock, log_level
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[_Worker] = []
        self._stop = False
        self._hup = False

    def _start(self) -> _Worker:
        reader, writer = self.context.Pipe(duplex=False)
        process = self.context.Process(
            target=_worker,
            args=(self.settings, self.sock, writer, os.getpid(), self.log_level),
            name="medcode-worker",
        )
        process.start()
        writer.close()
        return _Worker(process, reader)

    def _on_stop(self, signum: int, frame: FrameType | None) -> None:
        self._stop = True

    def _on_hup(self, signum: int, frame: FrameType | None) -> None:
        self._hup = True

    def run(self) -> int:
        """Serve until told to stop; the exit status (0, or 2 if the workers cannot start)."""
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_hup)
        # set before any worker starts: each one's metric values go to files there
        metrics_dir = tempfile.mkdtemp(prefix="medcode-metrics-")
        before = os.environ.get(MULTIPROC_ENV)
        os.environ[MULTIPROC_ENV] = metrics_dir
        try:
            return self._supervise()
        finally:
            if before is None:
                del os.environ[MULTIPROC_ENV]
            else:
                os.environ[MULTIPROC_ENV] = before
            shutil.rmtree(metrics_dir, ignore_errors=True)

    def _supervise(self) -> int:
        self.workers = [self._start() for _ in range(self.settings.workers)]
        serving = False  # whether any worker has started yet
        retry_at: dict[int, float] = {}  # slot -> when to try a replacement again
        status = 0
        while not self._stop:
            time.sleep(_POLL_S)
            if self._hup:
                self._hup = False
                self._signal_all(signal.SIGHUP)
            for i, worker in enumerate(self.workers):
                process = worker.process
                if process.is_alive() or self._stop:
                    serving = serving or worker.started()
                    continue
                started = worker.started()
                if not started and not serving:
                    logger.error("a worker could not start (exit status %s)", process.exitcode)
                    self._stop, status = True, 2
                    break
                if not started:  # the others keep serving; try again a little later
                    retry_at.setdefault(i, time.monotonic() + RETRY_S)
                    if time.monotonic() < retry_at[i]:
                        continue
                    logger.error("a replacement worker could not start; trying again")
                else:
                    code = process.exitcode
                    logger.warning("worker %s exited (%s); starting another", process.pid, code)
                retry_at.pop(i, None)
                worker.ready_pipe.close()
                if process.pid is not None:  # its gauges leave the sums; counters stay
                    mark_process_dead(process.pid)  # type: ignore[no-untyped-call]
                self.workers[i] = self._start()
        self._shutdown()
        return status

    def _signal_all(self, signum: int) -> None:
        for worker in self.workers:
            pid = worker.process.pid
            if pid is not None and worker.process.is_alive():
                os.kill(pid, signum)

    def _shutdown(self) -> None:
        self._signal_all(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.ready_pipe.close()
        self.sock.close()


def serve(settings: Settings, sock: socket.socket, log_level: str = "warning") -> int:
    """Run ``settings.workers`` server processes answering on ``sock``."""
    return Supervisor(settings, sock, log_level).run()
