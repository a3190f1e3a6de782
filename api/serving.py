"""``medcode serve``: one uvicorn process, or gunicorn with N uvicorn workers.

``--workers 1`` (the default) runs uvicorn in this process. ``--workers N`` runs gunicorn,
the standard pre-fork server, in this process as the master: it binds the port, starts N
workers (``uvicorn_worker.UvicornWorker``, each loading its own copy of the index), replaces
a worker that dies and stops them all gracefully on ``SIGTERM`` or ``SIGINT``. medcode sets
three things on top of gunicorn's defaults:

- ``SIGHUP`` to the master is forwarded to every worker, which loads the index version
  live on disk (a worker that has it loaded already does nothing). Gunicorn's own
  ``SIGHUP`` would restart every worker, loading the index afresh even when it has not
  changed. ``POST /admin/reload`` reloads the worker that answered, then sends ``SIGHUP``
  to the master so that the others follow. Each worker switches when its own load is done.
- ``/metrics`` in any worker reports all of them: prometheus_client's multiprocess mode,
  in a folder that the master creates before the first worker starts and removes when it
  stops; a worker that exits has its gauges dropped, its counts kept.
- An index that cannot be loaded when the service starts stops it with exit status 2. A
  replacement worker that cannot load it (the index was removed since) waits ``RETRY_S``
  seconds and exits, and gunicorn starts another, while the other workers serve.
"""

from __future__ import annotations

import contextlib
import logging
import mmap
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

from gunicorn import sock as gunicorn_sock
from gunicorn import util as gunicorn_util
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.errors import HaltServer
from uvicorn_worker import UvicornWorker

from api.metrics import MULTIPROC_ENV
from api.settings import Settings
from corpus.errors import MedcodeError

logger = logging.getLogger(__name__)

RETRY_S = 5.0  # a replacement worker that cannot load the index exits after this long
START_FAILED = 2  # exit status when the index cannot be loaded at start
GRACE_S = 30  # SIGTERM: requests in flight get this long to finish
HEARTBEAT_S = 1.0  # a worker loading the index tells the master it is alive this often
REUSE_PORT = hasattr(socket, "SO_REUSEPORT")  # Linux, BSD: a listening socket per worker

Address = tuple[Any, ...]


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket (Nagle off, which accepted connections inherit: a response
    written in two parts is not held back waiting for the client's delayed ACK)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto or socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    return sock


def reserve_port(host: str, port: int) -> socket.socket:
    """``--workers N``: the port, bound and not listening, for the workers' own listening
    sockets to share (``SO_REUSEPORT``), so that the kernel spreads new connections evenly
    over the workers. One shared listening socket lets the worker that wakes first accept
    a burst of keep-alive connections and serve them alone while the other idles.

    The bind itself is a plain one (``SO_REUSEPORT`` is set after it), so a port that
    anything else holds, another medcode included, stops here with a clear error; a socket
    that does not listen is sent no connections."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto or socket.IPPROTO_TCP)
    try:
        sock.bind(address)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    return sock


def serve_one(
    settings: Settings,
    sock: socket.socket,
    log_level: str,
    on_ready: Callable[[Address], None] | None = None,
) -> int:
    """One uvicorn process on ``sock``; ``kill -HUP <pid>`` reloads the index. ``on_ready``
    gets the address once the index is loaded."""
    import uvicorn

    from api.app import create_app
    from api.state import preloaded_opener

    app = create_app(settings, preloaded_opener(settings))
    if on_ready is not None:
        on_ready(sock.getsockname())
    # a SIGHUP before the app installs its reload handler must not stop the server (the app
    # checks the live version once its handler is in place)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    uvicorn.Server(uvicorn.Config(app, log_level=log_level, access_log=False)).run(sockets=[sock])
    return 0


def serve_workers(
    settings: Settings,
    log_level: str,
    on_ready: Callable[[Address], None] | None = None,
    reserved: socket.socket | None = None,
) -> int:
    """Gunicorn with ``settings.workers`` uvicorn workers; the exit status (0, or 2 if the
    index cannot be loaded at start). ``on_ready`` gets the bound address. With
    ``reserved`` (``reserve_port``), each worker listens on a socket of its own on that
    port (gunicorn's ``reuse_port``); without it, the workers share gunicorn's one socket."""
    metrics_dir = tempfile.mkdtemp(prefix="medcode-metrics-")
    before = os.environ.get(MULTIPROC_ENV)
    # set before any worker starts (and before a worker creates its metrics): each worker's
    # values then go to files in this folder
    os.environ[MULTIPROC_ENV] = metrics_dir
    master = os.getpid()
    arbiter = _Arbiter(_Application(settings, log_level, on_ready, reserved))
    try:
        arbiter.run()
    except SystemExit as exc:  # gunicorn's master ends with sys.exit, and so does a worker
        if os.getpid() != master:  # a worker (forked in there) leaves through here too
            raise
        return _status(exc.code)
    except HaltServer as exc:
        # when several workers fail to boot at once, gunicorn's halt meets the second
        # failure while it stops the workers, and raises it instead of exiting
        arbiter.kill_workers(signal.SIGKILL)  # any not stopped yet
        return _status(exc.exit_status)
    finally:
        if os.getpid() == master:
            if before is None:
                os.environ.pop(MULTIPROC_ENV, None)
            else:
                os.environ[MULTIPROC_ENV] = before
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def _status(code: object) -> int:
    """medcode's exit status for gunicorn's: 2 when the workers could not start."""
    if code in (Arbiter.WORKER_BOOT_ERROR, Arbiter.APP_LOAD_ERROR):
        return START_FAILED
    return code if isinstance(code, int) else 1


class _Arbiter(Arbiter):  # type: ignore[misc]  # gunicorn has no type information
    """Gunicorn's master, with ``SIGHUP`` forwarded to the workers (an index reload)."""

    def handle_hup(self) -> None:
        self.log.info("SIGHUP: every worker loads the live index version")
        self.kill_workers(signal.SIGHUP)


class Worker(UvicornWorker):  # type: ignore[misc]  # its base (gunicorn's) is untyped
    """A uvicorn worker that survives an early ``SIGHUP``, stays alive (for the master's
    timeout) while it loads the index and, with a port of its own (``reserve_port``),
    listens only once the index is loaded."""

    def init_signals(self) -> None:
        super().init_signals()
        # until the app's lifespan installs its reload handler, which then checks the live
        # version itself: a reload asked for during the load is not lost
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        _die_with_parent()

    def init_process(self) -> None:
        if self.cfg.reuse_port:
            # gunicorn bound this worker's own socket at the fork: closed until the index
            # is loaded, so that no connection waits on (or is lost with) a worker that is
            # not serving yet; the other workers' sockets take the new connections
            for listener in self.sockets:
                listener.close()
            self.sockets: list[Any] = []
        super().init_process()

    def load_wsgi(self) -> None:
        done = threading.Event()

        def heartbeat() -> None:
            while not done.wait(HEARTBEAT_S):
                self.notify()

        beat = threading.Thread(target=heartbeat, name="medcode-heartbeat", daemon=True)
        beat.start()
        try:
            super().load_wsgi()
        finally:
            done.set()
            beat.join()
        if self.cfg.reuse_port:  # the index is loaded: listen on this worker's own socket
            self.sockets = gunicorn_sock.create_sockets(self.cfg, self.log)
            for listener in self.sockets:
                gunicorn_util.close_on_exec(listener)


def _die_with_parent() -> None:
    """Linux: the kernel stops this worker if the master dies without stopping it."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _child_exit(server: Any, worker: Any) -> None:
    """In the master, when a worker has exited: its gauges leave the sums (counts stay)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


class _Application(BaseApplication):  # type: ignore[misc]  # gunicorn has no type information
    def __init__(
        self,
        settings: Settings,
        log_level: str,
        on_ready: Callable[[Address], None] | None,
        reserved: socket.socket | None,
    ) -> None:
        self.settings, self.log_level, self.on_ready = settings, log_level, on_ready
        self.reserved = reserved
        # one byte shared by the master and every worker (forked): 1 once a worker has
        # loaded the index, after which a worker that cannot load it is retried
        self.served = mmap.mmap(-1, 1)
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        host = f"[{s.host}]" if ":" in s.host else s.host
        port = s.port if self.reserved is None else self.reserved.getsockname()[1]
        for key, value in {
            "bind": [f"{host}:{port}"],
            # each worker binds its own listening socket on the reserved port
            "reuse_port": self.reserved is not None,
            "workers": s.workers,
            "worker_class": f"{__name__}.Worker",
            "loglevel": self.log_level,
            "accesslog": None,  # api.middleware logs requests (without their text)
            "keepalive": 5,  # uvicorn's default
            "graceful_timeout": GRACE_S,
            "proc_name": "medcode",
            # the heartbeat file: on a tmpfs where there is one (as gunicorn advises)
            "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
            "when_ready": self._when_ready,
            "child_exit": _child_exit,
        }.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:  # gunicorn 24+: no control socket
            self.cfg.set("control_socket_disable", True)

    def _when_ready(self, server: Any) -> None:
        if self.on_ready is not None:
            sock = self.reserved if self.reserved is not None else server.LISTENERS[0].sock
            self.on_ready(sock.getsockname())

    def load(self) -> Any:
        """In each worker, after the fork: load the index, build the app."""
        from prometheus_client import values

        from api.app import create_app
        from api.state import preloaded_opener

        # prometheus_client picks its value class (in memory, or files in the metrics folder)
        # when it is first imported, which the master did (api.metrics) before it set the
        # folder: pick again, before this worker creates its metrics
        values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
        try:
            opener = preloaded_opener(self.settings)
        except (MedcodeError, ValueError, OSError) as exc:
            print(f"medcode: error: {exc}", file=sys.stderr, flush=True)
            if not self.served[0]:
                sys.exit(Arbiter.WORKER_BOOT_ERROR)  # the master stops: nothing serves
            logger.error("a replacement worker could not load the index; trying again")
            time.sleep(RETRY_S)
            sys.exit(1)  # the master starts another
        self.served[0] = 1
        master = os.getppid()
        return create_app(self.settings, opener, notify_reload=lambda: _hup(master))


def _hup(master: int) -> None:
    """After a reload through the API: have the master reload the other workers."""
    if os.getppid() == master:
        os.kill(master, signal.SIGHUP)
