"""Evaluation of note coding: per note, gold findings (each a set of acceptable codes),
allowed extras and forbidden codes, against the codes recommended.

A note ``NAME.txt`` has its gold in ``NAME.json``::

    {"specialty": "...", "setting": "inpatient" | "outpatient",
     "required": [{"finding": "...", "system": "ICD-10-CM", "codes": ["K80.12"]}],
     "allowed": ["Z79.4"], "forbidden": ["C73"]}

Recall: required findings with an acceptable code recommended. Precision: recommended
codes that are acceptable for a finding or allowed. Forbidden: recommended codes the gold
forbids (negated, uncertain, history, not performed, Excludes1 conflicts).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import QueryError

CODE_SYSTEMS = ("ICD-10-CM", "ICD-10-PCS")


@dataclass(frozen=True)
class Finding:
    finding: str
    system: str
    codes: frozenset[str]


@dataclass(frozen=True)
class NoteCase:
    name: str
    text: str
    specialty: str
    setting: str
    required: tuple[Finding, ...]
    allowed: frozenset[str]
    forbidden: frozenset[str]


@dataclass(frozen=True)
class NoteScore:
    system: str
    required: int
    found: int
    recommended: int
    correct: int
    forbidden: int

    @property
    def recall(self) -> float:
        return self.found / self.required if self.required else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.recommended if self.recommended else 1.0


def load_notes(folder: Path) -> list[NoteCase]:
    out = []
    for text_path in sorted(folder.glob("*.txt")):
        gold_path = text_path.with_suffix(".json")
        try:
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            required = tuple(
                Finding(str(f["finding"]), str(f["system"]), frozenset(f["codes"]))
                for f in gold["required"]
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise QueryError(f"{gold_path}: not a note gold file ({exc})") from exc
        out.append(
            NoteCase(
                text_path.stem,
                text_path.read_text(encoding="utf-8"),
                str(gold.get("specialty", "")),
                str(gold.get("setting", "")),
                required,
                frozenset(gold.get("allowed", ())),
                frozenset(gold.get("forbidden", ())),
            )
        )
    if not out:
        raise QueryError(f"{folder}: no notes (NAME.txt with NAME.json)")
    return out


def score_note(case: NoteCase, recommended: Iterable[tuple[str, str]]) -> list[NoteScore]:
    """Per code system: (system, code) pairs recommended for the note against its gold."""
    rec = set(recommended)
    out = []
    for system in CODE_SYSTEMS:
        codes = {c for s, c in rec if s == system}
        findings = [f for f in case.required if f.system == system]
        acceptable = set().union(*(f.codes for f in findings)) if findings else set()
        out.append(
            NoteScore(
                system,
                len(findings),
                sum(1 for f in findings if f.codes & codes),
                len(codes),
                len(codes & (acceptable | case.allowed)),
                len(codes & case.forbidden),
            )
        )
    return out


def evaluate_notes(
    cases: Iterable[NoteCase], recommend: Callable[[str], Iterable[tuple[str, str]]]
) -> tuple[dict[str, NoteScore], list[tuple[NoteCase, list[NoteScore]]]]:
    """Totals per system (and "all") and each note's scores."""
    details = [(case, score_note(case, recommend(case.text))) for case in cases]
    totals: dict[str, NoteScore] = {}
    for system in (*CODE_SYSTEMS, "all"):
        rows = [s for _, scores in details for s in scores if system in ("all", s.system)]
        totals[system] = NoteScore(
            system,
            sum(s.required for s in rows),
            sum(s.found for s in rows),
            sum(s.recommended for s in rows),
            sum(s.correct for s in rows),
            sum(s.forbidden for s in rows),
        )
    return totals, details
