"""Evaluation harness: hit@1, hit@k and MRR@k per code system over a JSONL dev set.

Each line: ``{"query": "...", "system": "ICD-10-CM", "gold": ["N39.41"]}``; an optional
``"gold_prefixes": ["N39.4"]`` accepts any code under those prefixes, ``"kind"`` names the
way the query is written (:data:`KINDS`) and ``"specialty"`` the clinical field. A case of
kind ``off-topic`` has no gold: it is right when no result is confident.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import QueryError

# How a query is written: lay words, an abbreviation, chart phrasing, a specific variant,
# a one-word medical term (word formation), an eponym or brand name, a problem-list name;
# "off-topic" queries have no medical meaning and no gold code.
KINDS = (
    "lay",
    "abbreviation",
    "chart",
    "specificity",
    "morphology",
    "eponym",
    "problem-list",
    "off-topic",
)
OFF_TOPIC = "off-topic"
SYSTEMS = ("CPT", "HCPCS", "ICD-10-CM", "ICD-10-PCS")


@dataclass(frozen=True)
class EvalCase:
    query: str
    system: str
    gold: tuple[str, ...]
    gold_prefixes: tuple[str, ...] = ()
    kind: str = ""
    specialty: str = ""

    def is_hit(self, code: str) -> bool:
        return code in self.gold or any(code.startswith(p) for p in self.gold_prefixes)


@dataclass(frozen=True)
class Metrics:
    n: int
    hit1: float
    hitk: float
    mrr: float


def load_cases(path: Path) -> list[EvalCase]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            d = json.loads(line)
            cases.append(
                EvalCase(
                    str(d["query"]),
                    str(d.get("system") or ""),
                    tuple(d.get("gold", ())),
                    tuple(d.get("gold_prefixes", ())),
                    str(d.get("kind", "")),
                    str(d.get("specialty", "")),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise QueryError(f"{path}:{number}: not an evaluation case ({exc})") from exc
        case = cases[-1]
        if case.kind and case.kind not in KINDS:
            raise QueryError(f"{path}:{number}: unknown kind {case.kind!r}")
        if case.kind == OFF_TOPIC:
            if case.gold or case.gold_prefixes:
                raise QueryError(f"{path}:{number}: an off-topic case has no gold codes")
        elif not case.gold and not case.gold_prefixes:
            raise QueryError(f"{path}:{number}: no gold codes")
        elif case.system not in SYSTEMS:
            raise QueryError(f"{path}:{number}: unknown system {case.system!r}")
    return cases


def check_cases(
    cases: Iterable[EvalCase],
    codes: Mapping[tuple[str, str], tuple[bool, str]],
    seen: MutableMapping[str, str],
    name: str,
) -> Iterator[str]:
    """Problems of ``cases`` against the code sets: ``codes`` maps (system, code) to
    (billable, title). ``seen`` maps normalized queries to the file they came from, so a
    query repeated within or across files is reported."""
    for case in cases:
        key = " ".join(case.query.lower().split())
        if key in seen:
            yield f"{name}: {case.query!r} repeats a query of {seen[key]}"
        seen[key] = name
        if case.system not in ("ICD-10-CM", "ICD-10-PCS"):
            continue  # CPT and HCPCS come from user files: checked against the index only
        for code in case.gold:
            found = codes.get((case.system, code))
            if found is None:
                yield f"{name}: {case.query!r}: {case.system} {code} does not exist"
            elif case.system == "ICD-10-CM" and not found[0]:
                yield f"{name}: {case.query!r}: {code} is not billable (a header)"


def metrics(ranks: Sequence[int | None], k: int) -> Metrics:
    """``ranks``: 1-based rank of the first correct code per case, None if not in the top k."""
    n = len(ranks)
    if n == 0:
        return Metrics(0, 0.0, 0.0, 0.0)
    hit1 = sum(1 for r in ranks if r == 1) / n
    hitk = sum(1 for r in ranks if r is not None and r <= k) / n
    mrr = sum(1.0 / r for r in ranks if r is not None and r <= k) / n
    return Metrics(n, hit1, hitk, mrr)


def evaluate(
    cases: Iterable[EvalCase], search: Callable[[str, str, int], Sequence[str]], k: int = 10
) -> tuple[dict[str, Metrics], list[tuple[EvalCase, int | None, list[str]]]]:
    """Metrics per system (and ``all``), plus each case with its rank and top codes."""
    details: list[tuple[EvalCase, int | None, list[str]]] = []
    for case in cases:
        codes = list(search(case.query, case.system, k))
        rank = next((i + 1 for i, c in enumerate(codes[:k]) if case.is_hit(c)), None)
        details.append((case, rank, codes))
    out: dict[str, Metrics] = {}
    for system in sorted({c.system for c, _, _ in details}):
        out[system] = metrics([r for c, r, _ in details if c.system == system], k)
    out["all"] = metrics([r for _, r, _ in details], k)
    return out, details
