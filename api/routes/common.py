"""Documented error responses shared by the routers (for the OpenAPI schema)."""

from __future__ import annotations

from typing import Any

from api.schemas import ErrorOut

_E: dict[str, Any] = {"model": ErrorOut}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {**_E, "description": "missing or wrong API key"},
    413: {**_E, "description": "request body too large"},
    422: {**_E, "description": "invalid input, with a message naming the field"},
    503: {**_E, "description": "no index loaded, or the request timed out"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {**_E, "description": "unknown code"}}
ADMIN: dict[int | str, dict[str, Any]] = {
    401: {**_E, "description": "missing or wrong admin key (MEDCODE_ADMIN_KEY is set)"},
    403: {**_E, "description": "not a loopback client, and no admin key is set"},
    503: ERRORS[503],
}
