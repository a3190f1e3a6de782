"""Optional phrasing of a chat answer by an OpenAI-compatible LLM endpoint (off by default).

The LLM only rewords: it gets the retrieved codes and passages, and its reply is used
only if every code-like token in it is a code of the index and it keeps the [n]
citation markers it was given. Otherwise (or on any network error) the retrieval
answer is returned unchanged.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from assistant.chat import ChatAnswer, Turn
from assistant.search import Retriever
from corpus.codes import CODE_TOKEN, candidate_codes

logger = logging.getLogger(__name__)

Post = Callable[[str, dict[str, Any], dict[str, str], float], dict[str, Any]]

SYSTEM_PROMPT = (
    "You are a medical coding assistant. Answer the user's last question using ONLY the "
    "codes and passages below. Name each code with its system and title, and keep the "
    "citation markers such as [1] next to the facts they support. Do not mention any "
    "code that is not listed.\n\n"
)


@dataclass(frozen=True)
class LLMConfig:
    url: str  # e.g. http://127.0.0.1:8080/v1/chat/completions
    model: str
    api_key: str | None = None
    timeout_s: float = 20.0


def _post(url: str, body: dict[str, Any], headers: dict[str, str], timeout: float) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def unknown_codes(retriever: Retriever, text: str) -> list[str]:
    """Code-like tokens of ``text`` that are not codes of the index (in any system)."""
    out = []
    for token in CODE_TOKEN.findall(text):
        options = candidate_codes(token)
        if not options or not any(c.isdigit() for c in token):
            continue  # an ordinary word
        if not any(retriever.record_row(system, code) is not None for system, code in options):
            out.append(token)
    return out


def phrase(
    retriever: Retriever,
    draft: ChatAnswer,
    turns: list[Turn],
    config: LLMConfig,
    post: Post = _post,
) -> ChatAnswer:
    """``draft`` reworded by the LLM, or ``draft`` itself when the reply cannot be trusted."""
    context = "\n".join(
        [f"{r.system} {r.code}: {r.title}" for r in draft.results]
        + [f"[{s.number}] ({s.system} {s.code}) {s.citation.text}" for s in draft.sources]
    )
    messages = [{"role": "system", "content": SYSTEM_PROMPT + context}] + [
        {"role": t.role, "content": t.content} for t in turns if t.role in ("user", "assistant")
    ]
    headers = {"Content-Type": "application/json"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    body = {"model": config.model, "messages": messages, "temperature": 0}
    try:
        reply = post(config.url, body, headers, config.timeout_s)
        text = str(reply["choices"][0]["message"]["content"]).strip()
    except Exception as exc:  # any failure: keep the retrieval answer
        logger.warning("LLM phrasing failed (%s); using the retrieval answer", type(exc).__name__)
        return draft
    bad = unknown_codes(retriever, text)
    if bad or not text:
        logger.warning("LLM reply named %d codes not in the index; reply discarded", len(bad))
        return draft
    if draft.sources and not any(f"[{s.number}]" in text for s in draft.sources):
        logger.warning("LLM reply dropped every citation marker; reply discarded")
        return draft
    sources = "\n".join(draft.text.split("\nSources:\n", 1)[1:])
    return replace(draft, text=text + ("\n\nSources:\n" + sources if sources else ""))
