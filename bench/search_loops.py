"""Search work alone, in N processes at once: the ceiling for HTTP throughput, and the
cost of idle gaps between searches.

    .venv/bin/python bench/search_loops.py --index-dir DIR eval/dev.jsonl \
        [--processes 2] [--seconds 15] [--gap-ms 0]

Each process loads the index, warms up, waits for the others, then searches the
queries in turn (unfiltered, k=10) for ``--seconds``, sleeping ``--gap-ms`` after each
search (as a server at concurrency 1 waits for the next request). Prints JSON: ms per
search in each process (mean, p50) and the searches per second of all together.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any


def loop(
    index_dir: str, file: str, seconds: float, gap_s: float, start: Barrier, out: Queue[Any]
) -> None:
    from assistant import Assistant
    from assistant.evaluate import load_cases

    assistant = Assistant.open(index_dir)
    queries = [c.query for c in load_cases(Path(file))]
    for q in queries:
        assistant.search(q, k=10)
    start.wait()
    times: list[float] = []
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        for q in queries:
            t = time.perf_counter()
            assistant.search(q, k=10)
            times.append((time.perf_counter() - t) * 1000)
            if gap_s:
                time.sleep(gap_s)
    out.put(
        {
            "searches": len(times),
            "mean_ms": round(statistics.fmean(times), 2),
            "p50_ms": round(statistics.median(times), 2),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file")
    parser.add_argument("--index-dir", required=True)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--gap-ms", type=float, default=0)
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(args.processes)
    queue: Queue[Any] = context.Queue()
    work = (args.index_dir, args.file, args.seconds, args.gap_ms / 1000, start, queue)
    processes = [context.Process(target=loop, args=work) for _ in range(args.processes)]
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    out = {
        "processes": args.processes,
        "gap_ms": args.gap_ms,
        "per_process": results,
        # from search time only (gaps excluded): what the processes do back to back
        "searches_per_s": round(sum(1000 / r["mean_ms"] for r in results), 1),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
