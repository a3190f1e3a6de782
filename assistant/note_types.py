"""The records of coding a note: what is searched for each statement (``NoteQuery``),
the codes on their way to a recommendation (``Draft``), and what ``suggest`` answers
(recommended ``Suggestion``s with their ``Evidence``, ``Alternative``s, ``Excluded``
statements)."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.notes import Statement
from assistant.results import Citation, CodeResult, RelatedCode


@dataclass(frozen=True)
class Evidence:
    start: int
    end: int
    text: str
    section: str


@dataclass(frozen=True)
class Suggestion:
    """A recommended code: evidence in the note, the rule that made it, a confidence."""

    code: str
    system: str
    title: str
    score: float
    evidence: tuple[Evidence, ...]
    citations: tuple[Citation, ...]
    notes: tuple[str, ...] = ()
    related: tuple[RelatedCode, ...] = ()
    confidence: float = 0.0
    rationale: str = ""


@dataclass(frozen=True)
class Alternative:
    """A code considered and not recommended, with why."""

    code: str
    system: str
    title: str
    confidence: float
    why: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Excluded:
    start: int
    end: int
    text: str
    section: str
    reason: str


@dataclass(frozen=True)
class SuggestResponse:
    suggestions: tuple[Suggestion, ...]  # the recommended codes
    excluded: tuple[Excluded, ...] = ()
    statements: int = 0
    alternatives: tuple[Alternative, ...] = ()
    setting: str = "outpatient"

    @property
    def recommended(self) -> tuple[Suggestion, ...]:
        return self.suggestions

    def by_system(self) -> dict[str, list[Suggestion]]:
        out: dict[str, list[Suggestion]] = {}
        for s in self.suggestions:
            out.setdefault(s.system, []).append(s)
        return out


@dataclass
class Draft:
    """A code on its way to a recommendation: the evidence gathered for it."""

    result: CodeResult
    confidence: float
    rationale: str
    evidence: list[Evidence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    others: list[CodeResult] = field(default_factory=list)  # the statement's next codes


@dataclass(frozen=True)
class NoteQuery:
    """What one statement is searched for, in which code set, at which threshold."""

    statement: Statement
    text: str  # what is searched
    system: str
    threshold: float
    rationale: str
    prefixes: tuple[str, ...] = ()  # only codes starting so count (a Z79 drug query ...)
    avoid: tuple[str, ...] = ()  # codes starting so do not
    # a best code starting so makes the statement a sign or symptom integral to the
    # diagnoses the note states: it codes nothing (guideline I.B.5)
    integral: tuple[str, ...] = ()
