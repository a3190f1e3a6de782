"""Dependencies as ``Annotated`` aliases: settings, the loaded index, the API and admin keys.

They are ``async`` although they never wait: FastAPI runs a plain ``def`` dependency in
its thread pool (one hand-over to a worker thread per dependency and request), and these
do no I/O."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, Request
from pydantic import SecretStr

from api.errors import Forbidden, RequestTimeout, Unauthorized
from api.metrics import Metrics
from api.settings import Settings
from api.state import Loaded, ServiceState
from assistant.errors import QueryError, UnknownSystemError
from corpus.loader import parse_systems

T = TypeVar("T")


async def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.service.settings
    return settings


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


StateDep = Annotated[ServiceState, Depends(get_state)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]


async def get_loaded(state: StateDep) -> Loaded:
    """The index this request uses from start to end (a reload does not change it)."""
    return state.current()


LoadedDep = Annotated[Loaded, Depends(get_loaded)]


def _key(request: Request, header: str) -> str | None:
    """The key sent in ``header``, else as ``Authorization: Bearer KEY``."""
    given = request.headers.get(header)
    if given is None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        given = token if scheme.lower() == "bearer" else None
    return given


def _matches(given: str | None, expected: SecretStr) -> bool:
    value = expected.get_secret_value().encode()
    return given is not None and secrets.compare_digest(given.encode(), value)


async def require_api_key(request: Request, settings: SettingsDep) -> None:
    """If an API key is configured: ``X-API-Key: KEY`` or ``Authorization: Bearer KEY``."""
    if settings.api_key is not None and not _matches(_key(request, "x-api-key"), settings.api_key):
        raise Unauthorized("missing or wrong API key (send the header X-API-Key)")


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def require_admin(request: Request, settings: SettingsDep) -> None:
    """/admin/*: with an admin key configured, ``X-Admin-Key: KEY`` or ``Authorization:
    Bearer KEY``; without one, loopback clients only (behind a proxy on the same machine,
    set the key: uvicorn takes the client address from the proxy's X-Forwarded-For only
    when the proxy is itself on loopback). The API key never admits."""
    if settings.admin_key is None:
        if not _loopback(request.client.host if request.client else None):
            raise Forbidden(
                "admin endpoints answer only on loopback unless MEDCODE_ADMIN_KEY is set"
            )
        return
    if not _matches(_key(request, "x-admin-key"), settings.admin_key):
        raise Unauthorized("missing or wrong admin key (send the header X-Admin-Key)")


def system_name(value: str | None) -> str | None:
    """A system name in any accepted spelling (cm, icd10pcs, CPT, ...), or None."""
    if value is None or not value.strip():
        return None
    try:
        return parse_systems([value])[0]
    except ValueError as exc:
        raise UnknownSystemError(str(exc)) from exc


def check_k(k: int, settings: Settings) -> int:
    if k > settings.max_k:
        raise QueryError(f"k: must be at most {settings.max_k}, not {k}")
    return k


def check_query(text: str, limit: int, what: str = "query") -> str:
    if not text.strip():
        raise QueryError(f"the {what} is empty")
    if len(text) > limit:
        raise QueryError(f"the {what} has {len(text)} characters; the limit is {limit}")
    return text


class Compute:
    """Blocking work (searches, notes) in worker threads: at most ``threads`` searches at
    once in this process, each within the request timeout (its wait for a thread included).
    More search threads than this process's share of the cores do not search faster: they
    queue for Python's lock, and a thread that holds it while the OS runs another process
    stalls them all."""

    def __init__(self, threads: int, timeout_s: float) -> None:
        self.limiter = anyio.CapacityLimiter(threads)
        self.timeout_s = timeout_s

    async def run(self, work: Callable[[], T], *, search: bool = True) -> T:
        """``work`` in a worker thread; past the timeout the request gets 503. ``search``
        False: work that mostly waits (a call to the LLM) runs outside the search threads."""
        limiter = self.limiter if search else None
        try:
            with anyio.fail_after(self.timeout_s):
                return await anyio.to_thread.run_sync(work, abandon_on_cancel=True, limiter=limiter)
        except TimeoutError as exc:
            raise RequestTimeout(f"the request took longer than {self.timeout_s:g} s") from exc


async def get_compute(request: Request, settings: SettingsDep) -> Compute:
    """This process's search threads (made on first use, in the event loop)."""
    compute: Compute | None = getattr(request.app.state, "compute", None)
    if compute is None:
        compute = Compute(settings.threads_per_process(), settings.request_timeout_s)
        request.app.state.compute = compute
    return compute


ComputeDep = Annotated[Compute, Depends(get_compute)]
