"""The one way results become JSON: the response models of ``api.schemas`` read from the
assistant's frozen dataclasses (``from_attributes``), for the HTTP API and the CLI's --json.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from fastapi import Response
from pydantic import BaseModel

from assistant.search import PcsBuild
from corpus.pcs_axes import AxisValue
from corpus.records import CodeRecord

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


def record_view(record: CodeRecord, axes: Sequence[AxisValue] | None = None) -> dict[str, Any]:
    """A code's record with, for ICD-10-PCS, its seven axes (``RecordOut``)."""
    return {
        "code": record.code,
        "system": record.system,
        "title": record.title,
        "billable": record.billable,
        "parents": record.parents,
        "sections": record.sections,
        "attributes": dict(record.attributes),
        "source": record.source,
        "axes": None if axes is None else list(axes),
    }


def pcs_build_view(build: PcsBuild) -> dict[str, Any]:
    """A built ICD-10-PCS code (``PcsBuildOut``): each axis with the words that decided it,
    and the open axes with their valid choices."""
    built = build.built
    axes: list[dict[str, Any]] = []
    if built is not None:
        open_at = {o.position: o.choices for o in built.open_axes}
        for axis, word in zip(built.axes, built.determined_by, strict=True):
            choices = open_at.get(axis.position)
            axes.append(
                {
                    "position": axis.position,
                    "name": axis.name,
                    "value": axis.value,
                    "meaning": axis.meaning,
                    "determined_by": word or None,
                    "choices": None if choices is None else list(choices),
                }
            )
    return {
        "query": build.query,
        "code": None if built is None else built.code,
        "axes": axes,
        "open_axes": [] if built is None else [o.position for o in built.open_axes],
        "codes": build.results,
    }
