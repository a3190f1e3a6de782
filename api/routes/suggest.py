"""POST /suggest: codes an operative note supports, with evidence offsets in the note."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from api.deps import ComputeDep, LoadedDep, SettingsDep, check_query, require_api_key
from api.routes.common import ERRORS
from api.schemas import SuggestIn, SuggestOut
from api.serialize import json_response

router = APIRouter(tags=["suggest"], dependencies=[Depends(require_api_key)], responses=ERRORS)


@router.post("/suggest", response_model=SuggestOut)
async def suggest(
    loaded: LoadedDep, settings: SettingsDep, compute: ComputeDep, body: SuggestIn
) -> Any:
    note = check_query(body.text, settings.max_note_chars, "note")
    assistant = loaded.assistant
    response = await compute.run(lambda: assistant.suggest(note))
    return json_response(SuggestOut, response)
