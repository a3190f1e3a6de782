"""GET /pcs/build: an ICD-10-PCS code composed from its seven axes, with the open ones."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.deps import LoadedDep, SettingsDep, check_k, check_query, require_api_key, run_limited
from api.routes.common import ERRORS
from api.schemas import HARD_MAX_QUERY, PcsBuildOut
from assistant.serialize import pcs_build_to_json

router = APIRouter(tags=["pcs"], dependencies=[Depends(require_api_key)], responses=ERRORS)


@router.get("/pcs/build", response_model=PcsBuildOut)
async def build(
    loaded: LoadedDep,
    settings: SettingsDep,
    q: Annotated[str, Query(min_length=1, max_length=HARD_MAX_QUERY, description="procedure")],
    k: Annotated[int, Query(ge=1, le=50, description="number of codes")] = 10,
) -> Any:
    check_query(q, settings.max_query_chars)
    check_k(k, settings)
    assistant = loaded.assistant
    return pcs_build_to_json(await run_limited(settings, lambda: assistant.build_pcs(q, k)))
