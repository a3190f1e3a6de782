"""GET /search: the best-matching codes for a question, each with cited passages."""

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
    system_name,
)
from api.routes.common import ERRORS
from api.schemas import SearchOut
from api.serialize import json_response
from corpus.limits import MAX_K_HTTP, MAX_QUERY_CHARS

router = APIRouter(tags=["search"], dependencies=[Depends(require_api_key)], responses=ERRORS)


@router.get("/search", response_model=SearchOut)
async def search(
    loaded: LoadedDep,
    settings: SettingsDep,
    compute: ComputeDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description="question")],
    system: Annotated[
        str | None, Query(max_length=20, description="CPT, HCPCS, ICD-10-CM or ICD-10-PCS")
    ] = None,
    k: Annotated[int, Query(ge=1, le=MAX_K_HTTP, description="number of codes")] = 10,
    billable_only: Annotated[bool, Query(description="only billable codes")] = False,
) -> Any:
    check_query(q, settings.max_query_chars)
    check_k(k, settings)
    name = system_name(system)
    assistant = loaded.assistant
    found = await compute.run(lambda: assistant.search(q, name, k, billable_only=billable_only))
    headers = {"X-Medcode-Index": loaded.version}  # which index answered
    return json_response(SearchOut, found, headers)
