"""Retrieval quality per technique: hit@1 / hit@10 / MRR@10 per code system.

    .venv/bin/python bench/quality.py --index-dir DIR eval/dev.jsonl [eval/test.jsonl]

Each configuration switches techniques of ``assistant.search.SearchOptions`` on or off
over the same index; the table is printed as Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from assistant import Assistant
from assistant.evaluate import evaluate, load_cases
from assistant.search import SearchOptions

BASE = SearchOptions()
CONFIGS: dict[str, SearchOptions] = {
    "dense only (MiniLM + FAISS over code texts)": dataclasses.replace(
        BASE, use_lexical=False, use_expansion=False, use_qualifiers=False, resolve_billable=False
    ),
    "BM25 only": dataclasses.replace(
        BASE, use_dense=False, use_expansion=False, use_qualifiers=False, resolve_billable=False
    ),
    "hybrid, RRF": dataclasses.replace(
        BASE, fusion="rrf", use_expansion=False, use_qualifiers=False, resolve_billable=False
    ),
    "hybrid, convex fusion": dataclasses.replace(
        BASE, use_expansion=False, use_qualifiers=False, resolve_billable=False
    ),
    "+ query understanding (abbreviations, lay/procedure words, spelling)": dataclasses.replace(
        BASE, use_qualifiers=False, resolve_billable=False
    ),
    "+ qualifiers and specificity (side, encounter, approach)": dataclasses.replace(
        BASE, resolve_billable=False
    ),
    "+ billable resolution = full (convex)": BASE,
    "full, with RRF instead of convex": dataclasses.replace(BASE, fusion="rrf"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--index-dir", required=True)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    assistant = Assistant.open(args.index_dir)
    retriever = assistant.retriever
    for file in args.files:
        cases = load_cases(Path(file))
        systems = sorted({c.system for c in cases})
        print(f"\n{file} ({len(cases)} queries)\n")
        head = " | ".join(f"{s} hit@1 / hit@{args.k} / MRR" for s in systems)
        print(f"| configuration | {head} |")
        print("|---|" + "---|" * len(systems))
        for name, options in CONFIGS.items():
            retriever.options = options

            def run(q: str, s: str, k: int) -> list[str]:
                return [r.code for r in retriever.search(q, system=s, k=k).results]

            table, _ = evaluate(cases, run, k=args.k)
            cells = " | ".join(
                f"{table[s].hit1:.2f} / {table[s].hitk:.2f} / {table[s].mrr:.2f}" for s in systems
            )
            print(f"| {name} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
