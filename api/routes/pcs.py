"""GET /pcs/build: an ICD-10-PCS code composed from its seven axes, with the open ones."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.deps import (
    ComputeDep,
    LoadedDep,
    SettingsDep,
    check_k,
    check_query,
    require_api_key,
)
from api.routes.common import ERRORS
from api.schemas import PcsBuildOut
from api.serialize import json_response, pcs_build_view
from corpus.limits import MAX_K_HTTP, MAX_QUERY_CHARS

router = APIRouter(tags=["pcs"], dependencies=[Depends(require_api_key)], responses=ERRORS)


@router.get("/pcs/build", response_model=PcsBuildOut)
async def build(
    loaded: LoadedDep,
    settings: SettingsDep,
    compute: ComputeDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description="procedure")],
    k: Annotated[int, Query(ge=1, le=MAX_K_HTTP, description="number of codes")] = 10,
) -> Any:
    check_query(q, settings.max_query_chars)
    check_k(k, settings)
    assistant = loaded.assistant
    build = await compute.run(lambda: assistant.build_pcs(q, k))
    return json_response(PcsBuildOut, pcs_build_view(build))
