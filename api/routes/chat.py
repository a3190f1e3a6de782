"""POST /v1/chat/completions: OpenAI-compatible chat, answered from retrieval.

``"stream": true`` gives server-sent events: ``chat.completion.chunk`` objects, then
``data: [DONE]``. The answer's codes and numbered sources are also returned as the
``medcode`` field (and in the last chunk of a stream).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from api.deps import ComputeDep, LoadedDep, SettingsDep, require_api_key, system_name
from api.routes.common import ERRORS
from api.schemas import ChatRequest, ChatResponse, MedcodeExtras
from api.serialize import to_json, view
from api.settings import Settings
from assistant.chat import ChatAnswer, Turn, answer
from assistant.errors import QueryError
from assistant.llm import LLMConfig, phrase

router = APIRouter(tags=["chat"], dependencies=[Depends(require_api_key)], responses=ERRORS)
MODEL_NAME = "medcode-retrieval"


def _llm(settings: Settings) -> LLMConfig | None:
    if not settings.llm_url:
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return LLMConfig(settings.llm_url, settings.llm_model, key, settings.llm_timeout_s)


def _tokens(text: str) -> int:
    return len(re.findall(r"\S+", text))


def _events(a: ChatAnswer, cid: str, created: int, model: str) -> Iterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        body = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(body)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    for piece in re.findall(r"\S*\s*", a.text):
        if piece:
            yield chunk({"content": piece})
    yield chunk({}, "stop", medcode=to_json(MedcodeExtras, a))
    yield "data: [DONE]\n\n"


STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the answer; with `stream: true`, server-sent `chat.completion.chunk`"
        " events ending with `data: [DONE]`",
        "content": {
            "text/event-stream": {
                "schema": {  # one server-sent event
                    "type": "object",
                    "properties": {
                        "data": {
                            "type": "string",
                            "description": "a chat.completion.chunk as JSON, or [DONE]",
                        },
                        "event": {"type": "string"},
                    },
                    "required": ["data"],
                }
            }
        },
    }
}


@router.post("/v1/chat/completions", response_model=ChatResponse, responses=STREAM)
async def chat_completions(
    loaded: LoadedDep, settings: SettingsDep, compute: ComputeDep, body: ChatRequest
) -> Any:
    turns = [Turn(m.role, m.text()) for m in body.messages]
    for t in turns:  # questions are queries; earlier answers may be longer
        limit = settings.max_query_chars if t.role == "user" else settings.max_note_chars
        if len(t.content) > limit:
            raise QueryError(f"a {t.role} message has {len(t.content)} characters; limit {limit}")
    system = system_name(body.system)
    retriever = loaded.assistant.retriever
    llm = _llm(settings)

    draft = await compute.run(lambda: answer(retriever, turns, system=system))
    result = draft
    if llm is not None:  # the LLM's wording: a call that waits, outside the search threads
        result = await compute.run(lambda: phrase(retriever, draft, turns, llm), search=False)
    cid, created, model = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time()), MODEL_NAME
    if body.stream:
        return StreamingResponse(
            _events(result, cid, created, model),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    prompt = sum(_tokens(t.content) for t in turns)
    completion = _tokens(result.text)
    return {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": result.text},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
        "medcode": view(MedcodeExtras, result),
    }
