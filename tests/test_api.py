"""HTTP API through TestClient: every endpoint, each bad input, errors, limits, logs."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from assistant.assistant import Assistant
from index.errors import IndexNotFoundError
from tests.helpers import HashEmbedder, live_server

QUERY = "percutaneous sacral lead for urge incontinence"


def make_client(small_index, **overrides: Any) -> TestClient:
    index_dir, opener = small_index
    settings = Settings(index_dir=index_dir, **overrides)
    return TestClient(create_app(settings, opener), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client(small_index):
    with make_client(small_index, max_body_bytes=50_000, max_query_chars=300) as c:
        yield c


def error_of(response) -> str:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"type", "message"}
    return str(body["error"]["message"])


# -- /search ---------------------------------------------------------------------------


def test_search_returns_codes_with_citations_that_quote_the_source(client, small_index) -> None:
    r = client.get("/search", params={"q": QUERY, "k": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == QUERY and 1 <= len(body["results"]) <= 5
    codes = [x["code"] for x in body["results"]]
    assert "64561" in codes
    hit = body["results"][codes.index("64561")]
    assert hit["system"] == "CPT" and hit["citations"]
    assistant = small_index[1](Settings(index_dir=small_index[0]))
    source_text = assistant.code("CPT", "64561").source_text
    for c in hit["citations"]:
        assert source_text[c["start"] : c["end"]] == c["text"]
        assert c["section"] and c["source"]


def test_search_filters_by_system_in_any_spelling(client) -> None:
    for name in ("ICD-10-CM", "icd-10-cm", "cm", "icd10cm"):
        r = client.get("/search", params={"q": "urge incontinence", "system": name})
        assert r.status_code == 200
        results = r.json()["results"]
        assert results and {x["system"] for x in results} == {"ICD-10-CM"}


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"q": QUERY, "k": 0}, "k"),
        ({"q": QUERY, "k": 51}, "k"),
        ({"q": QUERY, "k": "ten"}, "k"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "empty"),
        ({}, "q"),
        ({"q": "x" * 301}, "limit is 300"),
        ({"q": QUERY, "system": "ICD-9"}, "unknown code system"),
    ],
)
def test_search_bad_input_is_422_with_a_clear_message(client, params, words) -> None:
    r = client.get("/search", params=params)
    assert r.status_code == 422
    assert words in error_of(r)


# -- /codes ----------------------------------------------------------------------------


def test_code_lookup_returns_the_full_record(client) -> None:
    r = client.get("/codes/ICD-10-CM/N39.41")
    assert r.status_code == 200
    body = r.json()
    assert (body["code"], body["system"], body["billable"]) == ("N39.41", "ICD-10-CM", True)
    assert body["title"] == "Urge incontinence"
    assert body["parents"] and body["parents"][0]["code"]
    assert {"name", "text"} <= set(body["sections"][0])
    assert body["source"]["kind"] and isinstance(body["attributes"], dict)
    assert client.get("/codes/cm/n3941").json()["code"] == "N39.41"  # any spelling


def test_unknown_code_is_404_and_unknown_system_422(client) -> None:
    r = client.get("/codes/ICD-10-CM/Z99.999")
    assert r.status_code == 404 and "not in the index" in error_of(r)
    r = client.get("/codes/ICD-9/250.00")
    assert r.status_code == 422 and "unknown code system" in error_of(r)
    assert client.get("/nowhere").status_code == 404


# -- /suggest --------------------------------------------------------------------------


def test_suggest_gives_evidence_offsets_and_never_suggests_negated_findings(
    client, fixtures: Path
) -> None:
    note = (fixtures / "notes" / "sacral_lead.txt").read_text()
    r = client.post("/suggest", json={"text": note})
    assert r.status_code == 200
    body = r.json()
    codes = {s["code"] for s in body["recommended"]}
    assert "64561" in codes
    negated = [e for e in body["excluded"] if e["reason"].startswith("negated")]
    assert any("infection" in e["text"] for e in negated)
    for s in body["recommended"]:
        assert s["evidence"]
        for e in s["evidence"]:
            assert note[e["start"] : e["end"]] == e["text"]
            for x in negated:  # a negated statement is never a suggestion's evidence
                assert e["end"] <= x["start"] or e["start"] >= x["end"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"text": ""}, 422, "empty"),
        ({"text": "   \n "}, 422, "empty"),
        ({}, 422, "text"),
        ({"text": 5}, 422, "text"),
        ({"text": "ok", "extra": 1}, 422, "extra"),
        ({"text": "a\x00b"}, 422, "NUL"),
    ],
)
def test_suggest_bad_input(client, body, status, words) -> None:
    r = client.post("/suggest", json=body)
    assert r.status_code == status and words in error_of(r)


def test_malformed_json_and_oversized_bodies(client) -> None:
    r = client.post("/suggest", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    r = client.post("/suggest", json={"text": "word " * 20_000})  # 100 kB > 50 kB limit
    assert r.status_code == 413 and "larger than 50000 bytes" in error_of(r)

    def chunks():  # no Content-Length: the limit is enforced while the body streams in
        for _ in range(20):
            yield b"x" * 5000

    r = client.post("/suggest", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_note_longer_than_the_setting_is_422(small_index) -> None:
    with make_client(small_index, max_note_chars=100) as c:
        r = c.post("/suggest", json={"text": "Percutaneous sacral lead. " * 10})
        assert r.status_code == 422 and "limit is 100" in error_of(r)


# -- chat ------------------------------------------------------------------------------


def chat(client, messages: list[dict[str, Any]], **extra: Any):
    return client.post("/v1/chat/completions", json={"model": "x", "messages": messages, **extra})


def test_chat_answer_is_openai_shaped_and_cites_sources(client) -> None:
    r = chat(client, [{"role": "user", "content": QUERY}])
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-")
    choice = body["choices"][0]
    assert choice["message"]["role"] == "assistant" and choice["finish_reason"] == "stop"
    text = choice["message"]["content"]
    assert "64561" in text and "[1]" in text and "Sources:" in text
    sources = body["medcode"]["sources"]
    assert sources and sources[0]["number"] == 1
    assert sources[0]["citation"]["text"].split()[0] in text  # the passage is quoted
    assert body["usage"]["total_tokens"] == (
        body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]
    )


def test_chat_stream_is_server_sent_chunks_ending_with_done(client) -> None:
    messages = [{"role": "user", "content": QUERY}]
    plain = chat(client, messages).json()["choices"][0]["message"]["content"]
    with client.stream(
        "POST", "/v1/chat/completions", json={"messages": messages, "stream": True}
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [line[6:] for line in r.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert len(chunks) > 3
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert streamed == plain
    assert chunks[-1]["medcode"]["sources"]


def test_chat_follow_up_uses_earlier_turns(client) -> None:
    first = chat(client, [{"role": "user", "content": QUERY}]).json()
    messages = [
        {"role": "user", "content": QUERY},
        {"role": "assistant", "content": first["choices"][0]["message"]["content"]},
        {"role": "user", "content": "what about the open approach?"},
    ]
    body = chat(client, messages).json()
    query = body["medcode"]["query"]
    assert "sacral lead" in query and "open" in query and "percutaneous" not in query
    # a new, complete question starts a new topic
    messages[-1] = {"role": "user", "content": "type 2 diabetes mellitus with hyperglycemia"}
    assert "sacral" not in chat(client, messages).json()["medcode"]["query"]


def test_chat_system_named_in_a_turn_narrows_later_turns(client) -> None:
    messages = [
        {"role": "user", "content": "ICD-10-CM code for urge incontinence"},
        {"role": "assistant", "content": "..."},
        {"role": "user", "content": "and stress incontinence?"},
    ]
    body = chat(client, messages).json()
    assert body["medcode"]["system"] == "ICD-10-CM"
    assert {c["system"] for c in body["medcode"]["codes"]} == {"ICD-10-CM"}


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"messages": []}, "messages"),
        ({}, "messages"),
        ({"messages": [{"role": "system", "content": "be brief"}]}, "no user message"),
        ({"messages": [{"role": "user", "content": ""}]}, "no user message"),
        ({"messages": [{"role": "wizard", "content": "hi"}]}, "role"),
        ({"messages": [{"role": "user", "content": "x" * 400}]}, "limit 300"),
    ],
)
def test_chat_bad_input(client, payload, words) -> None:
    r = client.post("/v1/chat/completions", json=payload)
    assert r.status_code == 422 and words in error_of(r)


def test_chat_accepts_content_parts_and_extra_openai_fields(client) -> None:
    parts = [{"type": "text", "text": QUERY}, {"type": "image_url", "image_url": {"url": "x"}}]
    r = chat(client, [{"role": "user", "content": parts}], temperature=0.2, max_tokens=50)
    assert r.status_code == 200 and "64561" in r.json()["choices"][0]["message"]["content"]


# -- service endpoints -----------------------------------------------------------------


def test_stats_health_and_metrics(client) -> None:
    stats = client.get("/stats").json()
    assert stats["systems"]["ICD-10-CM"]["codes"] > 0 and stats["systems"]["CPT"]["codes"] == 5
    assert stats["systems"]["ICD-10-CM"]["billable"] <= stats["systems"]["ICD-10-CM"]["codes"]
    assert stats["chunks"] >= stats["records"] > 0 and stats["model"] == "hash-test"
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["index_version"].startswith("v-")
    client.get("/search", params={"q": "secret patient words"})
    text = client.get("/metrics").text
    assert 'medcode_requests_total{method="GET",route="/search",status="200"}' in text
    assert "medcode_index_loaded 1.0" in text
    assert "secret" not in text


def test_without_an_index_health_is_503_and_requests_say_why(tmp_path: Path) -> None:
    def opener(settings: Settings) -> Assistant:
        raise IndexNotFoundError(f"no index at {settings.index_dir}; run medcode index build")

    app = create_app(Settings(index_dir=tmp_path), opener)
    with TestClient(app) as c:
        r = c.get("/healthz")
        assert r.status_code == 503 and "medcode index build" in error_of(r)
        r = c.get("/search", params={"q": QUERY})
        assert r.status_code == 503 and "no index is loaded" in error_of(r)
        assert "medcode_index_loaded 0.0" in c.get("/metrics").text


def test_api_key_is_required_when_configured(small_index) -> None:
    with make_client(small_index, api_key="s3cret") as c:
        r = c.get("/search", params={"q": QUERY})
        assert r.status_code == 401 and "API key" in error_of(r)
        assert c.get("/search", params={"q": QUERY}, headers={"X-API-Key": "nope"}).status_code == (
            401
        )
        ok = c.get("/search", params={"q": QUERY}, headers={"X-API-Key": "s3cret"})
        assert ok.status_code == 200
        bearer = {"Authorization": "Bearer s3cret"}  # what OpenAI SDKs send
        assert chat(c, [{"role": "user", "content": QUERY}], **{}).status_code == 401
        r = c.post(
            "/v1/chat/completions",
            json={"messages": [{"role": "user", "content": QUERY}]},
            headers=bearer,
        )
        assert r.status_code == 200
        assert c.get("/healthz").status_code == 200  # probes need no key


def test_cors_allows_only_listed_origins(small_index) -> None:
    with make_client(small_index, cors_origins=["https://coders.example"]) as c:
        ok = c.get("/healthz", headers={"Origin": "https://coders.example"})
        assert ok.headers["access-control-allow-origin"] == "https://coders.example"
        other = c.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        pre = c.options(
            "/search",
            headers={
                "Origin": "https://coders.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "X-API-Key",
            },
        )
        assert pre.status_code == 200


def test_logs_have_method_path_status_but_never_query_or_note_text(
    client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client.get("/search", params={"q": "zebrafish melanoma of left toe"})
    client.post("/suggest", json={"text": "Patient Jane Roe had zebrafish melanoma excised."})
    client.post(
        "/v1/chat/completions", json={"messages": [{"role": "user", "content": "zebrafish"}]}
    )
    lines = [r.getMessage() for r in caplog.records if not r.name.startswith("httpx")]  # client
    assert any(line.startswith("GET /search 200") for line in lines)
    assert any(line.startswith("POST /suggest 200") for line in lines)
    assert not any("zebrafish" in line or "Jane" in line for line in lines)


class _Broken:
    def __init__(self, real: Assistant) -> None:
        self.index = real.index
        self.retriever = real.retriever

    def search(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom: internal detail /etc/secret")


def test_unexpected_errors_are_json_500_without_a_trace(small_index) -> None:
    index_dir, opener = small_index
    app = create_app(Settings(index_dir=index_dir), lambda s: _Broken(opener(s)))  # type: ignore[arg-type,return-value]
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/search", params={"q": QUERY})
    assert r.status_code == 500
    assert error_of(r) == "internal error (logged on the server)"
    assert "boom" not in r.text and "Traceback" not in r.text


def test_slow_requests_time_out_with_503(small_index, fixtures: Path) -> None:
    from assistant.search import Retriever
    from index.search_index import SearchIndex

    index_dir, _ = small_index
    slow = HashEmbedder(delay=1.0)

    def opener(settings: Settings) -> Assistant:
        return Assistant(Retriever(SearchIndex.open(settings.index_dir, model=slow.info), slow))

    with TestClient(create_app(Settings(index_dir=index_dir, request_timeout_s=0.2), opener)) as c:
        r = c.get("/search", params={"q": QUERY})
    assert r.status_code == 503 and "longer than 0.2 s" in error_of(r)


class _Counting(HashEmbedder):
    """Records how many encodes (one per search) run at the same time."""

    def __init__(self) -> None:
        super().__init__(delay=0.1)
        self.lock, self.now, self.most = threading.Lock(), 0, 0

    def encode(self, texts: list[str], **kw: Any) -> np.ndarray:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            return super().encode(texts, **kw)
        finally:
            with self.lock:
                self.now -= 1


@pytest.mark.parametrize("threads", [1, 3])
def test_searches_run_at_most_search_threads_at_once(small_index, threads: int) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from assistant.search import Retriever
    from index.search_index import SearchIndex

    index_dir, _ = small_index
    counting = _Counting()

    def opener(settings: Settings) -> Assistant:
        index = SearchIndex.open(settings.index_dir, model=counting.info)
        return Assistant(Retriever(index, counting))

    settings = Settings(index_dir=index_dir, search_threads=threads)
    with live_server(create_app(settings, opener)) as url:
        counting.most = 0  # searches only, from here
        with ThreadPoolExecutor(6) as pool:
            codes = list(
                pool.map(
                    lambda i: httpx.get(f"{url}/search", params={"q": QUERY}).status_code, range(12)
                )
            )
    assert codes == [200] * 12
    assert counting.most <= threads  # the others waited for a search thread
    if threads > 1:
        assert counting.most > 1  # and more than one may run when allowed


def test_search_threads_default_to_the_share_of_cores() -> None:
    cores = len(os.sched_getaffinity(0))
    assert Settings(workers=1).threads_per_process() == cores
    assert Settings(workers=cores * 2).threads_per_process() == 1
    assert Settings(workers=1, search_threads=5).threads_per_process() == 5


def test_page_and_widget_are_served(client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert 'id="search-form"' in page.text and 'src="widget.js"' in page.text
    js = client.get("/widget.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "v1/chat/completions" in js.text and "innerHTML" not in js.text


# -- optional LLM phrasing ---------------------------------------------------------------


def _turns() -> list:
    from assistant.chat import Turn

    return [Turn("user", QUERY)]


def _draft(small_index):
    from assistant.chat import answer

    assistant = small_index[1](Settings(index_dir=small_index[0]))
    return assistant.retriever, answer(assistant.retriever, _turns())


def _reply(text: str):
    def post(url: str, body: dict[str, Any], headers: dict[str, str], timeout: float) -> Any:
        assert body["messages"][0]["role"] == "system" and "64561" in body["messages"][0]["content"]
        assert headers["Authorization"] == "Bearer k"
        return {"choices": [{"message": {"content": text}}]}

    return post


def test_llm_reply_is_used_only_when_it_names_indexed_codes_and_keeps_citations(
    small_index,
) -> None:
    from assistant.llm import LLMConfig, phrase, unknown_codes

    retriever, draft = _draft(small_index)
    config = LLMConfig("http://127.0.0.1:9/v1/chat/completions", "m", "k")
    good = phrase(retriever, draft, _turns(), config, _reply("Use CPT 64561 [1]."))
    assert good.text.startswith("Use CPT 64561 [1].") and "Sources:" in good.text
    invented = phrase(retriever, draft, _turns(), config, _reply("Use CPT 64999 [1]."))
    assert invented == draft
    uncited = phrase(retriever, draft, _turns(), config, _reply("Use CPT 64561."))
    assert uncited == draft
    assert unknown_codes(retriever, "N39.41 and 64561 but not Q99.9 or 0ABCDEF") == [
        "Q99.9",
        "0ABCDEF",
    ]


def test_llm_failure_falls_back_to_the_retrieval_answer(small_index) -> None:
    from assistant.llm import LLMConfig, phrase

    retriever, draft = _draft(small_index)
    # nothing listens on port 9 (discard): a connection error, not a hang
    config = LLMConfig("http://127.0.0.1:9/v1/chat/completions", "m", None, timeout_s=2)
    assert phrase(retriever, draft, _turns(), config) == draft


def test_chat_question_wording_is_not_searched() -> None:
    from assistant.chat import Turn, resolve

    assert resolve([Turn("user", "What is the ICD-10-CM code for urge incontinence?")]) == (
        "urge incontinence",
        "ICD-10-CM",
    )
    assert resolve([Turn("user", "CPT code for percutaneous sacral lead")]) == (
        "percutaneous sacral lead",
        "CPT",
    )


def test_reload_of_the_version_already_loaded_opens_nothing(small_index, tmp_path: Path) -> None:
    """With --workers N the asking worker hears its own reload again: it must be a no-op,
    while a new live version is loaded."""
    import shutil

    from api.state import ServiceState
    from index.layout import current_dir

    index_dir = tmp_path / "idx"
    shutil.copytree(small_index[0], index_dir)
    opener = small_index[1]
    opened: list[Assistant] = []

    def counting(settings: Settings) -> Assistant:
        opened.append(opener(settings))
        return opened[-1]

    state = ServiceState(Settings(index_dir=index_dir), counting)
    first = state.load()
    assert state.load() is first and len(opened) == 1
    assert first.version == current_dir(index_dir).name
    shutil.copytree(current_dir(index_dir), index_dir / "v-20990101T000000-000000")
    (index_dir / "CURRENT").write_text("v-20990101T000000-000000")
    second = state.load()
    assert second.version == "v-20990101T000000-000000" and len(opened) == 2
    assert state.current() is second


# -- answers a coder can act on (#16) ----------------------------------------------------------
def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_no_response_names_a_server_path(client, small_index) -> None:
    index_dir, _ = small_index
    note = "POSTOPERATIVE DIAGNOSIS: Urge incontinence.\nPROCEDURE: Percutaneous sacral lead."
    bodies = [
        client.get("/search", params={"q": QUERY}).json(),
        client.get("/search", params={"q": "N39.41"}).json(),
        client.get("/codes/ICD-10-CM/N39.41").json(),
        client.get("/codes/CPT/64561").json(),
        client.post("/suggest", json={"text": note}).json(),
        chat(client, [{"role": "user", "content": QUERY}]).json(),
        client.get("/stats").json(),
        client.get("/healthz").json(),
    ]
    for body in bodies:
        for s in _strings(body):
            assert "site-packages" not in s and str(index_dir) not in s, s
            assert not re.search(r"(?:^|[\s(\"'])/(?:work|tmp|root|home|usr|opt)/", s), s
    citation = bodies[0]["results"][0]["citations"][0]
    assert set(citation["source"]) == {"code_set", "edition", "code", "part", "document"}


def test_result_cards_carry_parents_and_instructional_notes(client) -> None:
    results = client.get("/search", params={"q": "E11.22", "k": 1}).json()["results"]
    card = results[0]
    assert card["code"] == "E11.22" and card["billable"]
    assert [p["code"] for p in card["parents"]][-2:] == ["E11", "E11.2"]
    kinds = {(i["kind"], i["inherited_from"]) for i in card["instructions"]}
    assert ("use_additional_code", None) in kinds  # stage of CKD (N18.1-N18.6)
    assert ("excludes1", "E11") in kinds  # type 1 diabetes (E10.-) ...
    excludes = [i for i in card["instructions"] if i["kind"] == "excludes1"]
    assert any("E10" in i["codes"] for i in excludes)
    assert any(r["relation"] == "use_additional_code" for r in card["related"])


def test_chat_names_a_companion_range_as_its_note(client) -> None:
    """ "Use additional code to identify the stage (N18.1-N18.6)": the chat shows the range
    and what it identifies, not the range's first code as if it were the stage."""
    messages = [{"role": "user", "content": "type 2 diabetes with diabetic chronic kidney disease"}]
    answer = chat(client, messages).json()["choices"][0]["message"]["content"]
    assert "E11.22" in answer
    line = next(x for x in answer.splitlines() if "use additional code" in x and "N18" in x)
    assert "N18.1-N18.6" in line and "stage" in line


def test_chat_follow_up_switches_to_procedure_codes(client) -> None:
    first = [{"role": "user", "content": "urge incontinence diagnosis code"}]
    answer = chat(client, first).json()["choices"][0]["message"]["content"]
    follow = [
        *first,
        {"role": "assistant", "content": answer},
        {"role": "user", "content": "and the procedure code for the percutaneous sacral lead?"},
    ]
    body = chat(client, follow).json()
    assert body["medcode"]["system"] == "ICD-10-PCS"
    assert all(r["system"] == "ICD-10-PCS" for r in body["medcode"]["codes"])


def test_chat_off_topic_question_gets_no_codes(client) -> None:
    body = chat(client, [{"role": "user", "content": "asdkjh qwe zzxq"}]).json()
    text = body["choices"][0]["message"]["content"]
    assert text.startswith("No confident match") and "?" in text
    assert body["medcode"]["codes"] == [] and body["medcode"]["sources"] == []
