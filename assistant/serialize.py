"""Plain-dict views of results, shared by the CLI's --json and the HTTP API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.chat import ChatAnswer
from assistant.results import Citation, CodeResult, SearchResponse
from assistant.search import PcsBuild
from assistant.suggest import SuggestResponse
from corpus.pcs_axes import AxisValue
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
        "confidence": r.confidence,
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
        "no_confident_match": response.no_confident_match,
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


def axis_to_json(
    a: AxisValue, determined_by: str | None = None, choices: Sequence[AxisValue] | None = None
) -> dict[str, Any]:
    return {
        "position": a.position,
        "name": a.name,
        "value": a.value,
        "meaning": a.meaning,
        "determined_by": determined_by,
        "choices": None
        if choices is None
        else [{"value": c.value, "meaning": c.meaning} for c in choices],
    }


def pcs_build_to_json(build: PcsBuild) -> dict[str, Any]:
    built = build.built
    axes = []
    if built is not None:
        open_at = {o.position: o.choices for o in built.open_axes}
        for axis, word in zip(built.axes, built.determined_by, strict=True):
            axes.append(axis_to_json(axis, word or None, open_at.get(axis.position)))
    return {
        "query": build.query,
        "code": None if built is None else built.code,
        "axes": axes,
        "open_axes": [] if built is None else [o.position for o in built.open_axes],
        "codes": [result_to_json(r) for r in build.results],
    }


def record_to_json(r: CodeRecord, axes: Sequence[AxisValue] | None = None) -> dict[str, Any]:
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
        "axes": None if axes is None else [axis_to_json(a) for a in axes],
    }
