"""What a search returns: codes with scores and the passages that justify them."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.confidence import CONFIDENT
from assistant.expansion import Expansion
from corpus.records import SourceLabel


@dataclass(frozen=True)
class Citation:
    """A passage of a code's source; ``source_text[start:end] == text``, where
    ``source_text`` is that of the record ``source`` names (a readable label, never a
    server path)."""

    text: str
    source: SourceLabel
    section: str
    start: int
    end: int


@dataclass(frozen=True)
class RelatedCode:
    """A code named by an instructional note ("code first", "use additional code", ...)."""

    relation: str  # the note's section: code_first, use_additional_code, code_also
    code: str
    title: str
    note: str


@dataclass(frozen=True)
class Instruction:
    """An instructional note that bears on a code (its own or a category's): Excludes1,
    Excludes2, code first, use additional code, code also, 7th character, notes."""

    kind: str
    text: str
    codes: tuple[str, ...] = ()  # the codes (or ranges) it names
    inherited_from: str | None = None  # the category whose note it is, if not the code's


@dataclass(frozen=True)
class Ancestor:
    code: str
    title: str
    level: str


@dataclass(frozen=True)
class CodeResult:
    code: str
    system: str
    title: str
    score: float  # in [0, 1]
    billable: bool
    citations: tuple[Citation, ...] = ()
    notes: tuple[str, ...] = ()
    match: str = "retrieval"  # "exact" for a code number found in the query
    related: tuple[RelatedCode, ...] = ()
    similarity: float = 0.0  # raw cosine of query and best passage: an absolute relevance
    # the estimated chance that this is the right code for the query (calibrated on a dev
    # set; 1.0 for a code number typed in the query)
    confidence: float = 0.0
    parents: tuple[Ancestor, ...] = ()  # chapter, block, category ... (a result card)
    instructions: tuple[Instruction, ...] = ()


@dataclass(frozen=True)
class SearchResponse:
    query: str
    results: tuple[CodeResult, ...]
    expansions: tuple[Expansion, ...] = ()  # what the query was understood to say
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def no_confident_match(self) -> bool:
        """No result reaches the confidence at which it is presented as a match."""
        return not any(r.confidence >= CONFIDENT for r in self.results)

    def by_system(self) -> dict[str, list[CodeResult]]:
        grouped: dict[str, list[CodeResult]] = {}
        for r in self.results:
            grouped.setdefault(r.system, []).append(r)
        return grouped
