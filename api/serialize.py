"""The one way results become JSON: the response models of ``api.schemas`` read from the
assistant's frozen dataclasses (``from_attributes``), for the HTTP API and the CLI's --json.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from fastapi import Response
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def view(model: type[M], obj: object) -> M:
    """``obj`` (a result dataclass) as the response model ``model``."""
    return model.model_validate(obj, from_attributes=True)


def to_json(model: type[BaseModel], obj: object) -> dict[str, Any]:
    """``obj`` as plain JSON data, in the shape of ``model``."""
    return view(model, obj).model_dump(mode="json")


def json_response(
    model: type[BaseModel], obj: object, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON response of ``obj`` in the shape of ``model``, serialized once (FastAPI does
    not validate a returned Response again; the route's ``response_model`` documents it)."""
    body = view(model, obj).model_dump_json()
    return Response(body, media_type="application/json", headers=headers)
