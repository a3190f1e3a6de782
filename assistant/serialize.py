"""Plain-dict views of results, shared by the CLI's --json and the HTTP API."""

from __future__ import annotations

from typing import Any

from assistant.chat import ChatAnswer
from assistant.results import Citation, CodeResult, SearchResponse
from assistant.suggest import SuggestResponse
from corpus.records import CodeRecord


def result_to_json(r: CodeResult) -> dict[str, Any]:
    return {
        "code": r.code,
        "system": r.system,
        "title": r.title,
        "score": r.score,
        "billable": r.billable,
        "match": r.match,
        "notes": list(r.notes),
        "related": [
            {"relation": x.relation, "code": x.code, "title": x.title, "note": x.note}
            for x in r.related
        ],
        "citations": [_citation(c) for c in r.citations],
        "similarity": r.similarity,
    }


def response_to_json(response: SearchResponse) -> dict[str, Any]:
    return {
        "query": response.query,
        "expansions": [
            {
                "term": e.term,
                "means": e.means,
                "kind": e.kind,
                "source": e.source,
                "start": e.start,
                "end": e.end,
            }
            for e in response.expansions
        ],
        "results": [result_to_json(r) for r in response.results],
    }


def suggestions_to_json(response: SuggestResponse) -> dict[str, Any]:
    return {
        "statements": response.statements,
        "suggestions": [
            {
                "code": s.code,
                "system": s.system,
                "title": s.title,
                "score": s.score,
                "notes": list(s.notes),
                "evidence": [
                    {"start": e.start, "end": e.end, "text": e.text, "section": e.section}
                    for e in s.evidence
                ],
                "citations": [_citation(c) for c in s.citations],
                "related": [
                    {"relation": x.relation, "code": x.code, "title": x.title} for x in s.related
                ],
            }
            for s in response.suggestions
        ],
        "excluded": [
            {
                "start": e.start,
                "end": e.end,
                "text": e.text,
                "section": e.section,
                "reason": e.reason,
            }
            for e in response.excluded
        ],
    }


def chat_to_json(a: ChatAnswer) -> dict[str, Any]:
    """What a chat answer searched, its codes and its numbered sources."""
    return {
        "query": a.query,
        "system": a.system,
        "codes": [
            {"code": r.code, "system": r.system, "title": r.title, "score": r.score}
            for r in a.results
        ],
        "sources": [
            {
                "number": s.number,
                "code": s.code,
                "system": s.system,
                "citation": _citation(s.citation),
            }
            for s in a.sources
        ],
    }


def _citation(c: Citation) -> dict[str, Any]:
    return {
        "text": c.text,
        "source": c.source,
        "section": c.section,
        "start": c.start,
        "end": c.end,
    }


def record_to_json(r: CodeRecord) -> dict[str, Any]:
    return {
        "code": r.code,
        "system": r.system,
        "title": r.title,
        "billable": r.billable,
        "parents": [{"code": p.code, "title": p.title, "level": p.level} for p in r.parents],
        "sections": [
            {"name": s.name, "text": s.text, "start": s.start, "end": s.end} for s in r.sections
        ],
        "attributes": dict(r.attributes),
        "source": {
            "kind": r.source.kind,
            "location": r.source.location,
            "version": r.source.version,
        },
    }
