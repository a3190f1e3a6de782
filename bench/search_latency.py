"""In-process search latency on a built index (p50 / p95 / p99, single thread).

.venv/bin/python bench/search_latency.py --index-dir DIR eval/dev.jsonl [--repeat 3]

"unfiltered" and "system filter" pool every pass; "unfiltered, first pass" is the first
sight of each query (per-title caches filling), "unfiltered, warm" the later passes.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

import numpy as np

from assistant import Assistant
from assistant.evaluate import load_cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file")
    parser.add_argument("--index-dir", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--notes", help="folder of operative notes (*.txt) for /suggest timing")
    args = parser.parse_args()
    t = time.perf_counter()
    assistant = Assistant.open(args.index_dir)
    load_s = time.perf_counter() - t
    queries = [c.query for c in load_cases(Path(args.file))]
    for q in queries[:20]:  # warm-up (lazy tables, caches)
        assistant.search(q)
    samples: dict[str, list[float]] = {
        "unfiltered": [],
        "unfiltered, first pass": [],
        "unfiltered, warm": [],
        "system filter": [],
        "suggest": [],
    }
    cases = load_cases(Path(args.file))
    notes = sorted(Path(args.notes).glob("*.txt")) if args.notes else []
    for note in notes:
        assistant.suggest(note.read_text(encoding="utf-8"))  # warm-up
    for n in range(args.repeat):
        for case in cases:
            t = time.perf_counter()
            assistant.search(case.query, k=10)
            took = (time.perf_counter() - t) * 1000
            samples["unfiltered"].append(took)
            samples["unfiltered, warm" if n else "unfiltered, first pass"].append(took)
            t = time.perf_counter()
            assistant.search(case.query, system=case.system, k=10)
            samples["system filter"].append((time.perf_counter() - t) * 1000)
        for note in notes:
            text = note.read_text(encoding="utf-8")
            t = time.perf_counter()
            assistant.suggest(text)
            samples["suggest"].append((time.perf_counter() - t) * 1000)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {"index_load_s": round(load_s, 2), "peak_rss_mb": round(rss_mb), "queries": len(queries)}
    for name, values in samples.items():
        if not values:
            continue
        arr = np.array(values)
        out[name] = {
            "n": len(values),
            "p50_ms": round(float(np.percentile(arr, 50)), 2),
            "p95_ms": round(float(np.percentile(arr, 95)), 2),
            "p99_ms": round(float(np.percentile(arr, 99)), 2),
            "mean_ms": round(statistics.fmean(values), 2),
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
