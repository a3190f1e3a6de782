"""What the analysis adds to a query: one record per term it read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Expansion:
    """Words added to the query: ``term`` (the query's words at ``start:end``) means
    ``means``; ``kind`` says how it was found (a lexicon kind, "morphology", "spelling",
    "abbreviation list") and ``source`` which data said so."""

    term: str
    means: str
    kind: str
    source: str
    start: int
    end: int

    def __str__(self) -> str:
        return f"{self.term}: {self.means}"
