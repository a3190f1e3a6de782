"""Sweep the convention-stage weights on a dev set: hit@1 / hit@10 per code system for each
value of each weight (one at a time, the others at their defaults).

    .venv/bin/python bench/sweep.py --index-dir DIR eval/coder_dev.jsonl \\
        [--weights side_match=0,0.04,0.08 term_exact=0.1,0.2,0.3 ...]

Retrieval (dense + BM25 + fusion) does not depend on these weights, so it runs once per
query and only the convention stage is repeated: a sweep of dozens of values takes about
a minute. Without --weights every numeric convention weight is swept over 0x, 0.5x, 1.5x
and 2x its default. Never run it on the frozen test set.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant import Assistant
from assistant.evaluate import OFF_TOPIC, load_cases, metrics
from assistant.query import analyze
from assistant.ranking import Conventions
from assistant.weights import WEIGHTS, Weights

# weights of the retrieval stage or limits: not swept here
FIXED = {
    "dense_candidates",
    "lexical_candidates",
    "dense_weight",
    "rrf_k",
    "rerank_candidates",
    "coverage_max_terms",
    "resolve_candidates",
    "default_candidates",
    "excludes1_window",
    "citations_per_result",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file")
    parser.add_argument("--index-dir", required=True)
    parser.add_argument("--weights", nargs="*", default=[], metavar="NAME=V1,V2")
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    assistant = Assistant.open(args.index_dir)
    retriever = assistant.retriever
    cases = [c for c in load_cases(Path(args.file)) if c.kind != OFF_TOPIC]
    t = time.perf_counter()
    prepared = []
    for case in cases:
        analysis = analyze(case.query, retriever.vocabulary, case.system)
        fused = retriever.candidates(analysis, case.system)
        prepared.append((case, analysis, fused))
    print(f"retrieval for {len(cases)} queries: {time.perf_counter() - t:.1f}s", file=sys.stderr)

    def run(weights: Weights) -> dict[str, tuple[float, float]]:
        ranking = Conventions(retriever.index, retriever.tree, retriever.groups, weights)
        ranks: dict[str, list[int | None]] = {}
        for case, analysis, fused in prepared:
            rows = ranking.rank(fused, analysis, analysis.expanded).rows[: args.k]
            codes = [retriever.index.records.codes[r] for r in rows]
            rank = next((i + 1 for i, c in enumerate(codes) if case.is_hit(c)), None)
            ranks.setdefault(case.system, []).append(rank)
            ranks.setdefault("all", []).append(rank)
        return {s: (metrics(r, args.k).hit1, metrics(r, args.k).hitk) for s, r in ranks.items()}

    grid: dict[str, list[float]] = {}
    for spec in args.weights:
        name, values = spec.split("=", 1)
        grid[name] = [float(v) for v in values.split(",")]
    if not grid:
        for field in dataclasses.fields(Weights):
            default = getattr(WEIGHTS, field.name)
            if field.name not in FIXED and isinstance(default, float):
                grid[field.name] = [0.0, default * 0.5, default * 1.5, default * 2.0]
    base = run(WEIGHTS)
    systems = sorted(base)
    print("| weight | value | " + " | ".join(f"{s} hit@1 / hit@{args.k}" for s in systems) + " |")
    print("|---|---|" + "---|" * len(systems))
    print(
        "| (defaults) | | "
        + " | ".join(f"{base[s][0]:.3f} / {base[s][1]:.3f}" for s in systems)
        + " |"
    )
    for name, values in grid.items():
        for value in values:
            cast = type(getattr(WEIGHTS, name))(value)
            found = run(dataclasses.replace(WEIGHTS, **{name: cast}))
            cells = " | ".join(
                f"{found[s][0]:.3f} / {found[s][1]:.3f}" + ("*" if found[s][0] > base[s][0] else "")
                for s in systems
            )
            print(f"| {name} | {cast:g} | {cells} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
