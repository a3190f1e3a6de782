"""Service endpoints: /healthz, /stats, /metrics and POST /admin/reload."""

from __future__ import annotations

import os
from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request, Response

from api.deps import LoadedDep, MetricsDep, StateDep, require_admin, require_api_key
from api.errors import error_json
from api.routes.common import ADMIN, ERRORS
from api.schemas import ErrorOut, HealthOut, ReloadOut, StatsOut
from index.errors import IndexStoreError

router = APIRouter(tags=["service"])


@router.get(
    "/healthz",
    response_model=HealthOut,
    responses={503: {"model": ErrorOut, "description": "no index loaded"}},
)
def healthz(state: StateDep) -> Any:
    """200 only while an index is loaded."""
    try:
        loaded = state.current()
    except Exception as exc:
        return error_json(503, "index_unavailable", str(exc))
    return {"status": "ok", "index_version": loaded.version, "pid": os.getpid()}


@router.get(
    "/stats", response_model=StatsOut, dependencies=[Depends(require_api_key)], responses=ERRORS
)
def stats(loaded: LoadedDep) -> Any:
    manifest = loaded.assistant.index.manifest
    return {
        "systems": {
            name: {"codes": v.codes, "billable": v.billable, "version": ", ".join(v.versions)}
            for name, v in manifest.code_sets.items()
        },
        "records": manifest.records,
        "chunks": manifest.chunks,
        "model": manifest.model.name,
        "backend": manifest.model.backend,
        "index_version": loaded.version,
        "loaded_at": loaded.loaded_at,
    }


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(metrics: MetricsDep) -> Response:
    """Prometheus text format (with ``--workers N``: summed over the workers); the index
    gauges are set at each load."""
    return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


@router.post(
    "/admin/reload",
    response_model=ReloadOut,
    dependencies=[Depends(require_admin)],  # its own key, or loopback: never the API key
    responses=ADMIN,
)
async def reload(request: Request, state: StateDep, metrics: MetricsDep) -> Any:
    """Load the index version that is live on disk now and switch to it atomically.

    Requests in flight finish on the index they started with; if the new index cannot be
    loaded, the old one keeps serving and the error is returned (503).
    """
    previous = state.version
    try:  # no request timeout: verifying a large index can take a while
        loaded = await anyio.to_thread.run_sync(state.load)
    except IndexStoreError:
        metrics.reloads.labels("failed").inc()
        raise
    metrics.reloads.labels("ok").inc()
    metrics.set_index(state.records())
    request.app.state.notify_reload()  # with --workers N, the other workers load it too
    return {"index_version": loaded.version, "previous_version": previous}
