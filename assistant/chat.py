"""Chat answers built from retrieval alone: codes with titles, cited passages as [1], [2].

A conversation is a list of turns. The last user turn is the question; when it reads
as a follow-up ("what about the open approach?", "and the left side?") it is merged
with the topic of the earlier user turns, and the words it replaces (another approach,
side or encounter) are dropped from that topic. A code system named in any user turn
("ICD-10-PCS", "CPT code", "diagnosis code") narrows the search until another is named.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.confidence import CONFIDENT
from assistant.errors import QueryError
from assistant.qualifier_words import APPROACHES, ENCOUNTER, LATERALITY
from assistant.results import Citation, CodeResult
from assistant.search import Retriever
from corpus.limits import MAX_TURNS
from corpus.records import SourceLabel

_FOLLOW_UP = re.compile(
    r"^\s*(?:and|also|but|what about|how about|what if|same|instead|then|ok(?:ay)?|"
    r"now|with|without|for)\b|\b(?:it|that|this|those|these|instead|same)\b",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"^\s*(?:and|also|but|what about|how about|what if|ok(?:ay)?,?|now|then)\s+|"
    r"\b(?:the|instead|please|code|codes)\b|[?!.]+\s*$",
    re.IGNORECASE,
)
_SYSTEM_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "ICD-10-PCS",
        re.compile(
            r"\b(icd-?10-?pcs|pcs|inpatient procedure|procedure codes?|procedures?)\b", re.I
        ),
    ),
    ("ICD-10-CM", re.compile(r"\b(icd-?10-?cm|icd-?10|diagnos[ie]s|diagnosis codes?)\b", re.I)),
    ("HCPCS", re.compile(r"\b(hcpcs|level ii|supply|supplies|dme)\b", re.I)),
    ("CPT", re.compile(r"\b(cpt|professional procedure)\b", re.I)),
)
_SYSTEM_NAMES = re.compile(
    r"\b(?:icd-?10-?pcs|icd-?10-?cm|icd-?10|hcpcs|cpt|procedure|diagnosis)\b(?:\s+codes?)?"
    r"(?:\s+(?:for|of))?",
    re.IGNORECASE,
)
_LEAD_IN = re.compile(
    r"^\s*(?:what(?:'s| is| are)?|which|give me|find|show me)?\s*(?:the\s+)?(?:codes?\s+)?"
    r"(?:for|of)?\s+(?=\S)",
    re.IGNORECASE,
)


ALTERNATIVES = 3  # codes listed after the recommended one


@dataclass(frozen=True)
class Turn:
    role: str  # "system", "user", "assistant" (others are ignored)
    content: str


@dataclass(frozen=True)
class Source:
    """A numbered passage the answer cites: ``[number]``."""

    number: int
    code: str
    system: str
    citation: Citation


@dataclass(frozen=True)
class ChatAnswer:
    text: str
    query: str  # what was searched (can carry PHI: never logged)
    system: str | None
    results: tuple[CodeResult, ...]
    sources: tuple[Source, ...]


_RANGE = re.compile(r"[A-Z][0-9][0-9A-Z.]*-[A-Z]?[0-9][0-9A-Z.]*")


def _axes(text: str) -> list[re.Pattern[str]]:
    """The axis patterns (side, encounter, approach) a text names a value of."""
    lower = text.lower()
    out: list[re.Pattern[str]] = []
    for table in (LATERALITY, ENCOUNTER, APPROACHES):
        if any(p.search(lower) for _, p in table):
            out.extend(p for _, p in table)
    return out


def _system_of(text: str) -> str | None:
    for system, pattern in _SYSTEM_WORDS:
        if pattern.search(text):
            return system
    return None


def is_follow_up(text: str) -> bool:
    words = re.findall(r"[A-Za-z0-9]+", text)
    return bool(_FOLLOW_UP.search(text)) or len(words) <= 2


def resolve(turns: Sequence[Turn]) -> tuple[str, str | None]:
    """The search query and code system a conversation asks about now."""
    users = [t.content.strip() for t in turns if t.role == "user" and t.content.strip()]
    if not users:
        raise QueryError("the conversation has no user message with text")
    if len(turns) > MAX_TURNS:
        raise QueryError(f"the conversation has {len(turns)} messages; the limit is {MAX_TURNS}")
    topic, system = "", None
    for text in users:
        system = _system_of(text) or system
        question = _LEAD_IN.sub("", _SYSTEM_NAMES.sub(" ", text), count=1)
        if topic and is_follow_up(text):
            for pattern in _axes(question):
                topic = pattern.sub(" ", topic.lower())
            question = _FILLER.sub(" ", question)
            topic = " ".join(f"{topic} {question}".split())
        else:
            topic = " ".join(question.split()).rstrip("?!. ") or text
    return topic, system


def answer(
    retriever: Retriever, turns: Sequence[Turn], *, k: int = 5, system: str | None = None
) -> ChatAnswer:
    """Search for what the conversation asks now and write an answer that cites passages."""
    query, asked_system = resolve(turns)
    system = system or asked_system
    response = retriever.search(query, system=system, k=k)
    sources: list[Source] = []
    numbers: dict[tuple[SourceLabel, int, int], int] = {}
    where = f" ({system})" if system else ""
    if response.no_confident_match or not response.results:
        lines = [
            f"No confident match for “{query}”{where}. Could you say more: the condition or "
            "procedure in clinical words, the site and side, the type or acuity, how it was "
            "done (open, laparoscopic, percutaneous)?"
        ]
        return ChatAnswer("\n".join(lines), query, system, (), ())

    def cite(r: CodeResult) -> str:
        refs = []
        for c in r.citations[:1]:
            key = (c.source, c.start, c.end)
            if key not in numbers:
                numbers[key] = len(sources) + 1
                sources.append(Source(numbers[key], r.code, r.system, c))
            refs.append(f"[{numbers[key]}]")
        return " ".join(refs)

    confident = [r for r in response.results if r.confidence >= CONFIDENT]
    bests: list[CodeResult] = []
    for r in confident:  # the recommended code of each code set searched
        if all(b.system != r.system for b in bests):
            bests.append(r)
    lines = [f"Codes for “{query}”{where}:"]
    for best in bests:
        billable = "" if best.billable else " (not billable: choose a more specific code)"
        lines.append(
            f"- {best.system} {best.code}: {best.title}{billable} "
            f"(confidence {best.confidence:.0%}) {cite(best)}".rstrip()
        )
        for note in best.notes[:2]:
            lines.append(f"  why: {note}")
        for x in best.related:
            if x.relation in ("use_additional_code", "code_first"):
                verb = (
                    "use additional code" if x.relation == "use_additional_code" else "code first"
                )
                # a note naming a range ("stage of CKD (N18.1-N18.6)") is shown as the note:
                # which code of the range applies is for the record to say
                named = x.note if _RANGE.search(x.note) else f"{x.code} {x.title}"
                lines.append(f"  {verb}: {named}")
    others = [r for r in response.results if r not in bests][:ALTERNATIVES]
    if others:
        lines += ["", "Alternatives, if the record says otherwise:"]
        for r in others:
            line = f"- {r.system} {r.code}: {r.title} ({r.confidence:.0%}) {cite(r)}"
            lines.append(line.rstrip())
    if sources:
        lines += ["", "Sources:"]
        for s in sources:
            quote = " ".join(s.citation.text.split())
            lines.append(f"[{s.number}] {s.citation.source}: “{quote}”")
    return ChatAnswer("\n".join(lines), query, system, response.results, tuple(sources))
