"""One serializer: the response models read from the assistant's dataclasses give the
same JSON to the HTTP API and to the CLI's --json."""

from __future__ import annotations

from api.schemas import RecordOut, SearchOut, SuggestOut
from api.serialize import to_json
from tests.test_api import make_client

NOTE = "PROCEDURE: Percutaneous implantation of sacral nerve electrode array. No infection."


def test_http_answers_are_the_dataclasses_read_by_the_response_models(small_index) -> None:
    with make_client(small_index) as client:
        assistant = client.app.state.service.current().assistant  # type: ignore[attr-defined]
        for q in ("percutaneous sacral lead for urge incontinence", "N39.41"):
            r = client.get("/search", params={"q": q, "k": 5})
            assert r.headers["content-type"] == "application/json"
            assert r.headers["x-medcode-index"]
            assert r.json() == to_json(SearchOut, assistant.search(q, None, 5))
        r = client.post("/suggest", json={"text": NOTE})
        assert r.json() == to_json(SuggestOut, assistant.suggest(NOTE))
        r = client.get("/codes/ICD-10-CM/N39.41")
        assert r.json() == to_json(RecordOut, assistant.code("ICD-10-CM", "N39.41"))
