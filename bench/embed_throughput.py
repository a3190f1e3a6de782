"""Embedding throughput and agreement per backend, on a fixed sample of the texts the
default index embeds (ICD-10-CM and ICD-10-PCS dense texts).

    .venv/bin/python bench/embed_throughput.py [--n 3000] [--backends onnx-int8 onnx torch]

Reports texts/s, the fraction of the ~480 texts/s fp32 arithmetic ceiling of this model on
2 cores (figure from the index issue), the one-query latency (one thread), and the cosine
of each backend's vectors with sentence-transformers (torch fp32).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from corpus.chunking import chunk_records
from corpus.loader import CorpusConfig, load_corpus
from index.build import dense_texts
from index.embedding.factory import load_embedder

CEILING = 480.0


def sample_texts(n: int) -> list[str]:
    corpus = load_corpus(CorpusConfig())
    records = list(corpus.records)
    chunks = list(chunk_records(records))
    unique = list(dict.fromkeys(dense_texts(records, chunks)))
    rng = np.random.default_rng(0)
    return [unique[i] for i in sorted(rng.choice(len(unique), n, replace=False))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--backends", nargs="+", default=["onnx-int8", "onnx", "torch"])
    parser.add_argument("--cache-dir", default=None)
    args = parser.parse_args()
    texts = sample_texts(args.n)
    cache = Path(args.cache_dir or tempfile.mkdtemp())
    reference = load_embedder("bundled", "torch", cache).encode(texts)
    print(f"{len(texts)} texts; mean {np.mean([len(t) for t in texts]):.0f} characters\n")
    print(
        "| backend | texts/s (build, all cores) | of ceiling | query ms (1 thread, p50) "
        "| cosine with torch fp32 (mean / min) |"
    )
    print("|---|---|---|---|---|")
    for backend in args.backends:
        build = load_embedder("bundled", backend, cache)
        t = time.perf_counter()
        vectors = build.encode(texts, batch_size=64)
        rate = len(texts) / (time.perf_counter() - t)
        query = load_embedder("bundled", backend, cache, threads=1)
        times = []
        for text in texts[:200]:
            t = time.perf_counter()
            query.encode([text])
            times.append((time.perf_counter() - t) * 1000)
        cos = np.sum(vectors * reference, axis=1)
        print(
            f"| {backend} | {rate:.0f} | {rate / CEILING:.0%} | {np.percentile(times, 50):.1f} "
            f"| {cos.mean():.4f} / {cos.min():.4f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
