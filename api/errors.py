"""Every error the API returns, as JSON ``{"error": {"type", "message"}}`` (the shape
OpenAI clients parse). HTTP status codes are chosen here and nowhere else:

| exception                                   | status |
|---------------------------------------------|--------|
| request validation (bad query, k, JSON)     | 422    |
| assistant.errors.QueryError                 | 422    |
| assistant.errors.UnknownSystemError         | 422    |
| assistant.errors.UnknownCodeError           | 404    |
| api.errors.Unauthorized (missing/wrong key) | 401    |
| api.errors.Forbidden (admin, not loopback)  | 403    |
| api.errors.BodyTooLarge                     | 413    |
| api.errors.IndexUnavailableError            | 503    |
| api.errors.RequestTimeout                   | 503    |
| index.errors.IndexStoreError (on reload)    | 503    |
| anything else                               | 500, no stack trace in the body |

The API layer's own exceptions, under ``corpus.errors.MedcodeError``:

    ApiError
    ├── Unauthorized           the API key (or the admin key) is missing or wrong
    ├── Forbidden              /admin/* from a client not on loopback, with no admin key set
    ├── BodyTooLarge           the request body is over Settings.max_body_bytes
    ├── RequestTimeout         the request ran longer than Settings.request_timeout_s
    └── IndexUnavailableError  no index is loaded
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.errors import QueryError, UnknownCodeError, UnknownSystemError
from corpus.errors import MedcodeError
from index.errors import IndexStoreError

logger = logging.getLogger(__name__)


class ApiError(MedcodeError):
    """Base class for every API-layer error."""


class Unauthorized(ApiError):
    """The API key (or, for /admin/*, the admin key) is missing or wrong."""


class Forbidden(ApiError):
    """An admin endpoint asked from another machine while no admin key is configured."""


class BodyTooLarge(ApiError):
    """The request body exceeds Settings.max_body_bytes."""


class RequestTimeout(ApiError):
    """The request ran longer than Settings.request_timeout_s."""


class IndexUnavailableError(ApiError):
    """No index is loaded (the message says why)."""


def error_json(status: int, kind: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"type": kind, "message": message}}, status_code=status, headers=headers
    )


def _location(error: dict[str, Any]) -> str:
    loc = [str(x) for x in error.get("loc", ()) if x not in ("body", "query", "path")]
    return ".".join(loc) or "request"


def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    parts = [f"{_location(e)}: {e.get('msg', 'invalid')}" for e in exc.errors()]
    return error_json(422, "invalid_request", "; ".join(parts) or "invalid request")


_TABLE: tuple[tuple[type[Exception], int, str], ...] = (
    (UnknownCodeError, 404, "not_found"),
    (UnknownSystemError, 422, "invalid_request"),
    (QueryError, 422, "invalid_request"),
    (Unauthorized, 401, "unauthorized"),
    (Forbidden, 403, "forbidden"),
    (BodyTooLarge, 413, "body_too_large"),
    (IndexUnavailableError, 503, "index_unavailable"),
    (RequestTimeout, 503, "timeout"),
    (IndexStoreError, 503, "index_unavailable"),
)


def response_for(exc: Exception) -> JSONResponse:
    for kind, status, name in _TABLE:
        if isinstance(exc, kind):
            headers = {"WWW-Authenticate": "ApiKey"} if status == 401 else {}
            return error_json(status, name, str(exc), **headers)
    logger.error("unhandled %s", type(exc).__name__, exc_info=exc)
    return error_json(500, "internal_error", "internal error (logged on the server)")


def _handled(_: Request, exc: Exception) -> JSONResponse:
    return response_for(exc)


def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return error_json(exc.status_code, kind, str(exc.detail))


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    for kind, _, _ in _TABLE:
        app.add_exception_handler(kind, _handled)
    app.add_exception_handler(Exception, _handled)
