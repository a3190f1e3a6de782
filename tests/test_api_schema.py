"""Schemathesis: generated requests from the OpenAPI schema never get a 5xx, and every
response matches the schema's documented status codes, content types and bodies.

Driven through Hypothesis directly (schemathesis' pytest plugin does not load on
pytest 9), one bounded test per operation.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.settings import Settings

OPERATIONS = [
    ("GET", "/search"),
    ("GET", "/codes/{system}/{code}"),
    ("GET", "/pcs/build"),
    ("POST", "/suggest"),
    ("POST", "/v1/chat/completions"),
    ("GET", "/stats"),
    ("GET", "/healthz"),
    ("GET", "/metrics"),
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_schema(small_index):
    index_dir, opener = small_index
    app = create_app(Settings(index_dir=index_dir), opener)
    app.state.service.load()  # what the lifespan does when the server starts
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_schema_lists_every_operation(api_schema) -> None:
    found = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert set(OPERATIONS) | {("POST", "/admin/reload")} == found


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_generated_requests_never_fail_the_server(api_schema, method: str, path: str) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        case.call_and_validate(checks=CHECKS)

    run()
