"""The FastAPI application: ``create_app(settings)``; ``medcode serve`` runs it.

The index is loaded once in the lifespan. If it cannot be loaded the service still
starts, answers 503 with the reason, and /healthz stays 503 (``medcode serve`` checks
the index before it starts and exits with the message instead).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import errors
from api.metrics import Metrics
from api.middleware import AccessLog, BodyLimit
from api.routes import chat, codes, meta, pcs, search, suggest, ui
from api.settings import Settings
from api.state import Opener, ServiceState, open_assistant
from index.errors import IndexStoreError

logger = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    opener: Opener = open_assistant,
    notify_reload: Callable[[], None] | None = None,
) -> FastAPI:
    """The app; ``notify_reload`` is called after ``POST /admin/reload`` has loaded the live
    index (``medcode serve --workers N`` passes one that tells the other workers)."""
    settings = settings or Settings()
    state = ServiceState(settings, opener)
    metrics = Metrics()

    def reload_quietly() -> None:
        try:
            state.load()
            metrics.reloads.labels("ok").inc()
        except IndexStoreError as exc:
            metrics.reloads.labels("failed").inc()
            logger.error("reload failed, still serving the previous index: %s", exc)
        metrics.set_index(state.records())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        # kill -HUP <pid> reloads the live index (possible in the main thread only); set
        # before the first load, which reads the live version: no reload is lost
        with contextlib.suppress(RuntimeError, ValueError, NotImplementedError, AttributeError):
            loop.add_signal_handler(
                signal.SIGHUP, lambda: loop.run_in_executor(None, reload_quietly)
            )
        try:
            state.load()
        except IndexStoreError as exc:
            logger.error("index not loaded: %s", exc)
        metrics.set_index(state.records())
        yield

    app = FastAPI(
        title="medcode",
        summary="Medical code search with cited passages (CPT, HCPCS, ICD-10-CM, ICD-10-PCS)",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.service = state
    app.state.metrics = metrics
    app.state.notify_reload = notify_reload or (lambda: None)
    errors.install(app)
    for router in (
        search.router,
        codes.router,
        pcs.router,
        suggest.router,
        chat.router,
        meta.router,
    ):
        app.include_router(router)
    app.include_router(ui.router)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-API-Key", "Authorization"],  # no X-Admin-Key
        )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(AccessLog, metrics=metrics)  # outermost: sees every status
    return app
