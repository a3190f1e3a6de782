"""GET /codes/{system}/{code}: the full record of one code."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from api.deps import LoadedDep, require_api_key, system_name
from api.routes.common import ERRORS, NOT_FOUND
from api.schemas import RecordOut
from api.serialize import json_response, record_view
from assistant.errors import UnknownSystemError

router = APIRouter(
    tags=["codes"], dependencies=[Depends(require_api_key)], responses={**ERRORS, **NOT_FOUND}
)


@router.get("/codes/{system}/{code}", response_model=RecordOut)
def get_code(loaded: LoadedDep, system: str, code: str) -> Any:
    name = system_name(system)
    if name is None:
        raise UnknownSystemError("the code system is empty")
    record = loaded.assistant.code(name, code)
    axes = loaded.assistant.pcs_axes(record.code) if record.system == "ICD-10-PCS" else None
    return json_response(RecordOut, record_view(record, axes))
