"""Evaluation harness: hit@1, hit@k and MRR@k per code system over a JSONL dev set.

Each line: ``{"query": "...", "system": "ICD-10-CM", "gold": ["N39.41"]}``; an optional
``"gold_prefixes": ["N39.4"]`` accepts any code under those prefixes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import QueryError


@dataclass(frozen=True)
class EvalCase:
    query: str
    system: str
    gold: tuple[str, ...]
    gold_prefixes: tuple[str, ...] = ()

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
                    str(d["system"]),
                    tuple(d.get("gold", ())),
                    tuple(d.get("gold_prefixes", ())),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise QueryError(f"{path}:{number}: not an evaluation case ({exc})") from exc
        if not cases[-1].gold and not cases[-1].gold_prefixes:
            raise QueryError(f"{path}:{number}: no gold codes")
    return cases


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
