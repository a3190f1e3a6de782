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
from typing import Any

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


# A search for evaluation: (query, code set or None, k) -> (code, confidence) best first.
SearchFn = Callable[[str, "str | None", int], Sequence[tuple[str, float]]]
CONFIDENT = 0.5  # a result at or above this confidence is presented as a match
ECE_BINS = 10


@dataclass(frozen=True)
class Outcome:
    """One case's answer: the rank of its first gold code (None: not in the top k) and
    the codes returned with their confidences."""

    case: EvalCase
    rank: int | None
    codes: tuple[str, ...]
    confidences: tuple[float, ...]

    @property
    def top_confidence(self) -> float:
        return self.confidences[0] if self.confidences else 0.0

    @property
    def top_right(self) -> bool:
        """The first result is a right code (never, for an off-topic case): what its
        confidence estimates the chance of."""
        return self.rank == 1

    @property
    def top_correct(self) -> bool:
        """The first answer is right; for an off-topic case: nothing confident."""
        if self.case.kind == OFF_TOPIC:
            return self.top_confidence < CONFIDENT
        return self.rank == 1


@dataclass(frozen=True)
class Report:
    """Metrics per code system, per kind and per (system, kind) over on-topic cases;
    abstention on off-topic cases; calibration of the top answer's confidence."""

    k: int
    by_system: dict[str, Metrics]
    by_kind: dict[str, Metrics]
    by_system_kind: dict[tuple[str, str], Metrics]
    off_topic: int  # off-topic cases
    abstained: float  # share of them with no confident result
    # expected calibration error of the top answer's confidence (all cases; an off-topic
    # case's answer is never right, whether or not the system abstained)
    ece: float
    confident_share: float  # on-topic cases whose top answer is confident
    confident_precision: float  # of those, the share that are right


def calibration_error(pairs: Sequence[tuple[float, bool]], bins: int = ECE_BINS) -> float:
    """Expected calibration error: the gap between confidence and accuracy, averaged over
    equal-width confidence bins weighted by their size."""
    if not pairs:
        return 0.0
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(c, ok) for c, ok in pairs if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if inside:
            conf = sum(c for c, _ in inside) / len(inside)
            acc = sum(1 for _, ok in inside if ok) / len(inside)
            total += len(inside) * abs(conf - acc)
    return total / len(pairs)


def run_cases(cases: Iterable[EvalCase], search: SearchFn, k: int = 10) -> list[Outcome]:
    out = []
    for case in cases:
        found = list(search(case.query, case.system or None, k))[:k]
        codes = tuple(c for c, _ in found)
        rank = None
        if case.kind != OFF_TOPIC:
            rank = next((i + 1 for i, c in enumerate(codes) if case.is_hit(c)), None)
        out.append(Outcome(case, rank, codes, tuple(conf for _, conf in found)))
    return out


def report(outcomes: Sequence[Outcome], k: int = 10) -> Report:
    on = [o for o in outcomes if o.case.kind != OFF_TOPIC]
    off = [o for o in outcomes if o.case.kind == OFF_TOPIC]

    def table(key: Callable[[Outcome], Any]) -> dict[Any, Metrics]:
        groups: dict[Any, list[int | None]] = {}
        for o in on:
            groups.setdefault(key(o), []).append(o.rank)
        return {g: metrics(ranks, k) for g, ranks in sorted(groups.items())}

    by_system = table(lambda o: o.case.system)
    by_system["all"] = metrics([o.rank for o in on], k)
    confident = [o for o in on if o.top_confidence >= CONFIDENT]
    return Report(
        k=k,
        by_system=by_system,
        by_kind=table(lambda o: o.case.kind or "-"),
        by_system_kind=table(lambda o: (o.case.system, o.case.kind or "-")),
        off_topic=len(off),
        abstained=sum(1 for o in off if o.top_correct) / len(off) if off else 0.0,
        ece=calibration_error([(o.top_confidence, o.top_right) for o in outcomes]),
        confident_share=len(confident) / len(on) if on else 0.0,
        confident_precision=(
            sum(1 for o in confident if o.rank == 1) / len(confident) if confident else 0.0
        ),
    )


def evaluate(
    cases: Iterable[EvalCase], search: SearchFn, k: int = 10
) -> tuple[Report, list[Outcome]]:
    """The report over ``cases`` and each case's outcome."""
    outcomes = run_cases(cases, search, k)
    return report(outcomes, k), outcomes
