"""Property tests on the query, note and HTTP paths: arbitrary input never crashes, never
gets a 500 and never hangs (each example has a deadline); bad input is a QueryError/422."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.settings import Settings
from assistant.errors import QueryError
from corpus.html import html_to_text

WORDS = st.sampled_from(
    [
        "sacral",
        "lead",
        "N39.41",
        "64561",
        "left",
        "open approach",
        "no",
        "history of",
        "OAB",
        "fracture",
        "femur",
        "percutaneous",
        "\x00",
        "é",
        "😀",
        "\u202e",
        "...",
        "C-",
        "0TWB3MZ",
    ]
)
TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(WORDS, st.text(max_size=20)), max_size=40).map(" ".join),
)
NOTE = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "PROCEDURE:",
                "PREOPERATIVE DIAGNOSIS:",
                "FINDINGS: No infection.",
                "",
                "History of",
                "Percutaneous implantation of sacral nerve electrode array.",
                "Possible seroma.",
            ]
        ),
        st.text(max_size=80),
    ),
    max_size=25,
).map("\n".join)
FAST = settings(
    max_examples=60, deadline=timedelta(seconds=3), suppress_health_check=list(HealthCheck)
)


@pytest.fixture(scope="module")
def assistant(small_index):
    index_dir, opener = small_index
    return opener(Settings(index_dir=index_dir))


@pytest.fixture(scope="module")
def client(small_index):
    index_dir, opener = small_index
    with TestClient(create_app(Settings(index_dir=index_dir), opener)) as c:
        yield c


@FAST
@given(query=TEXT, k=st.integers(min_value=-5, max_value=120))
def test_query_path_returns_results_or_a_query_error(assistant, query: str, k: int) -> None:
    try:
        response = assistant.search(query, k=k)
    except QueryError:
        return
    assert len(response.results) <= k
    for r in response.results:
        source = assistant.code(r.system, r.code).source_text
        for c in r.citations:
            assert source[c.start : c.end] == c.text


@FAST
@given(note=st.one_of(NOTE, st.binary(max_size=300)))
def test_note_path_returns_suggestions_or_a_query_error(assistant, note) -> None:
    try:
        response = assistant.suggest(note)
    except QueryError:
        return
    text = note if isinstance(note, str) else note.decode("utf-8")
    for s in response.suggestions:
        for e in s.evidence:
            assert text[e.start : e.end] == e.text
    for x in response.excluded:
        assert text[x.start : x.end] == x.text


@FAST
@given(
    html=st.one_of(
        st.text(max_size=400),
        st.lists(
            st.sampled_from(
                [
                    "<p>",
                    "</p>",
                    "<script>steal_42()</script>",
                    "<h2>Description</h2>",
                    "&amp;",
                    "&#xZZ;",
                    "<br/>",
                    "<table><tr><td>MUE</td><td>2</td></tr></table>",
                    "<!--",
                    "text 64561",
                ]
            ),
            max_size=30,
        ).map("".join),
    )
)
def test_html_pages_never_crash_the_parser(html: str) -> None:
    text, _ = html_to_text(html)
    assert isinstance(text, str) and "steal_42" not in text  # script bodies never render


@FAST
@given(query=TEXT, system=st.one_of(st.none(), st.text(max_size=12)))
def test_http_search_is_200_or_422(client, query: str, system) -> None:
    params = {"q": query} if system is None else {"q": query, "system": system}
    r = client.get("/search", params=params)
    assert r.status_code in (200, 422), r.text
    if r.status_code == 422:
        assert r.json()["error"]["message"]


@FAST
@given(note=NOTE)
def test_http_suggest_is_200_or_422(client, note: str) -> None:
    r = client.post("/suggest", json={"text": note})
    assert r.status_code in (200, 422), r.text
