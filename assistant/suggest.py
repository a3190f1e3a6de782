"""Code suggestions for an operative note, each tied to the note's words.

Diagnosis statements are searched in ICD-10-CM, procedure statements in ICD-10-PCS and
the procedure code systems the index holds (CPT pages, HCPCS). Negated, uncertain and
historical statements never produce a suggestion; they are listed as excluded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.errors import QueryError
from assistant.notes import Statement, laterality, statements
from assistant.results import Citation, CodeResult, RelatedCode
from assistant.search import Retriever
from corpus.limits import MAX_NOTE_CHARS

# Below this cosine between a statement and a code's best passage, a procedure code
# system's top hit is not suggested (CPT holds only the pages the user supplied).
MIN_SIMILARITY = {"ICD-10-CM": 0.35, "ICD-10-PCS": 0.35, "CPT": 0.45, "HCPCS": 0.45}
# Indications, findings and complications are prose: a diagnosis taken from them must
# match more closely than one from a diagnosis heading.
MIN_FINDING_SIMILARITY = 0.6
PROCEDURE_SYSTEMS = ("ICD-10-PCS", "CPT", "HCPCS")


@dataclass(frozen=True)
class Evidence:
    start: int
    end: int
    text: str
    section: str


@dataclass(frozen=True)
class Suggestion:
    code: str
    system: str
    title: str
    score: float
    evidence: tuple[Evidence, ...]
    citations: tuple[Citation, ...]
    notes: tuple[str, ...] = ()
    related: tuple[RelatedCode, ...] = ()


@dataclass(frozen=True)
class Excluded:
    start: int
    end: int
    text: str
    section: str
    reason: str


@dataclass(frozen=True)
class SuggestResponse:
    suggestions: tuple[Suggestion, ...]
    excluded: tuple[Excluded, ...] = ()
    statements: int = 0

    def by_system(self) -> dict[str, list[Suggestion]]:
        out: dict[str, list[Suggestion]] = {}
        for s in self.suggestions:
            out.setdefault(s.system, []).append(s)
        return out


@dataclass
class _Draft:
    result: CodeResult
    score: float
    evidence: list[Evidence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def validate_note(note: object) -> str:
    if isinstance(note, bytes):
        if b"\x00" in note:
            raise QueryError("the note is binary data, not text")
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise QueryError(f"the note is not UTF-8 text (byte {exc.start})") from exc
    if not isinstance(note, str):
        raise QueryError("the note must be text")
    if "\x00" in note:
        raise QueryError("the note contains NUL characters: binary data, not text")
    if not note.strip():
        raise QueryError("the note is empty")
    if len(note) > MAX_NOTE_CHARS:
        raise QueryError(f"the note has {len(note)} characters; the limit is {MAX_NOTE_CHARS}")
    return note


def suggest(retriever: Retriever, note: object) -> SuggestResponse:
    text = validate_note(note)
    found = statements(text)
    drafts: dict[tuple[str, str], _Draft] = {}
    excluded: list[Excluded] = []
    available = set(retriever.index.records.systems)
    for st in found:
        if st.status != "positive":
            excluded.append(
                Excluded(st.span.start, st.span.end, st.span.text, st.section, st.reason)
            )
            continue
        systems = ["ICD-10-CM"] if st.kind != "procedure" else list(PROCEDURE_SYSTEMS)
        for system in systems:
            if system not in available:
                continue
            for result in _best(retriever, st, system):
                key = (result.system, result.code)
                draft = drafts.setdefault(key, _Draft(result, result.score))
                draft.score = max(draft.score, result.score)
                ev = Evidence(st.span.start, st.span.end, st.span.text, st.section)
                if ev not in draft.evidence:
                    draft.evidence.append(ev)
    _cpt_modifiers(retriever, drafts.values())
    suggestions = [
        Suggestion(
            code=d.result.code,
            system=d.result.system,
            title=d.result.title,
            score=round(d.score, 4),
            evidence=tuple(d.evidence),
            citations=d.result.citations,
            notes=tuple(dict.fromkeys([*d.result.notes, *d.notes])),
            related=d.result.related,
        )
        for d in drafts.values()
    ]
    order = {"ICD-10-CM": 0, "ICD-10-PCS": 1, "CPT": 2, "HCPCS": 3}
    suggestions.sort(key=lambda s: (order.get(s.system, 9), -len(s.evidence), -s.score))
    return SuggestResponse(tuple(suggestions), tuple(excluded), len(found))


def _best(retriever: Retriever, st: Statement, system: str) -> list[CodeResult]:
    """The top code for a statement in one system, if it is relevant enough."""
    results = retriever.search(st.span.text[:1000], system=system, k=3).results
    if not results:
        return []
    top = results[0]
    floor = MIN_SIMILARITY.get(system, 0.4)
    if st.kind == "finding":
        floor = max(floor, MIN_FINDING_SIMILARITY)
    if top.match != "exact" and top.similarity < floor:
        return []
    return [top]


def _cpt_modifiers(retriever: Retriever, drafts: Iterable[_Draft]) -> None:
    """Laterality modifiers and the multiple-procedure rule, from each code's page."""
    cpt = sorted((d for d in drafts if d.result.system == "CPT"), key=lambda d: -d.score)
    for d in cpt:
        attrs = retriever.record(d.result.system, d.result.code).attributes
        sides = {laterality(e.text) for e in d.evidence} - {None}
        if "bilateral" in sides:
            if attrs.get("bilateral_surgery") == "1":
                d.notes.append("bilateral: append modifier 50 (150% bilateral payment applies)")
            elif "bilateral_surgery" in attrs:
                d.notes.append(
                    f"bilateral: modifier 50 does not apply here (indicator "
                    f"{attrs['bilateral_surgery']}); report per side with RT/LT"
                )
        for side, modifier in (("right", "RT"), ("left", "LT")):
            if side in sides:
                known = f"modifier_{modifier}" in attrs
                d.notes.append(
                    f"{side} side: append modifier {modifier}"
                    + ("" if known else " (not listed on this code's page)")
                )
    if len(cpt) > 1:
        for d in cpt[1:]:
            attrs = retriever.record("CPT", d.result.code).attributes
            if attrs.get("multiple_procedures") == "2":
                d.notes.append(
                    "several procedures in one session: the multiple-procedure rule applies "
                    "(modifier 51 on the secondary procedure)"
                )
