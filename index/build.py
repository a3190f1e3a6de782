"""Build an index from a corpus: embeddings (cached), FAISS, BM25, records, manifest."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from corpus.chunking import POSITIVE_SECTIONS, chunk_records, sentence_spans
from corpus.loader import Corpus
from corpus.records import Chunk, CodeRecord
from index.cache import EmbeddingCache
from index.dense import DenseIndex
from index.embedding.base import Embedder
from index.layout import IndexFiles, current_dir, new_build_dir, publish, write_error
from index.lexical import TOKENIZER_VERSION, LexicalIndex
from index.manifest import (
    CodeSetEntry,
    DenseEntry,
    Manifest,
    ModelEntry,
    library_versions,
    read_manifest,
    write_manifest,
)
from index.store import ChunkTable, write_records

logger = logging.getLogger(__name__)

_PCS_APPROACH = re.compile(r",\s*[^,]*\bApproach$")
_SIDE = re.compile(r"\b(?:right|left)\b(?!-)\s*", re.IGNORECASE)


def _sideless(text: str) -> str:
    """``text`` without the words right and left (laterality is matched lexically)."""
    return _SIDE.sub("", text).replace(" ,", ",")


@dataclass(frozen=True)
class BuildReport:
    index_dir: Path
    version_dir: Path
    records: int
    chunks: int
    dense_vectors: int
    embedded: int
    cached: int
    dense_kind: str
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)


def dense_texts(records: Sequence[CodeRecord], chunks: Sequence[Chunk]) -> list[str]:
    """The text embedded for each chunk.

    Siblings that differ only in a discrete axis share one vector, and that axis is
    matched lexically and by query understanding instead: ICD-10-PCS codes that
    differ only in approach, ICD-10-CM 7th-character codes (which share their
    stem's vector: the encounter is picked from the query words), and codes of both
    sets that differ only in side (right/left; the side is read from the query).
    """
    by_key = {r.key: r for r in records}
    embed_of = {c.code: c.embed_text for c in chunks if c.system == "ICD-10-CM"}
    out = []
    for c in chunks:
        record = by_key[(c.system, c.code)]
        if c.system == "ICD-10-PCS":
            out.append(_sideless(_PCS_APPROACH.sub("", c.embed_text)))
        elif c.system == "ICD-10-CM" and "seventh_character" in record.attributes:
            stem = record.parents[-1].code
            out.append(_sideless(embed_of.get(stem, c.embed_text)))
        elif c.system == "ICD-10-CM":
            out.append(_sideless(c.embed_text))
        else:
            out.append(c.embed_text)
    return out


def lexical_units(
    records: Sequence[CodeRecord], chunks: Sequence[Chunk]
) -> tuple[list[str], np.ndarray]:
    """Texts for BM25 and the chunk each belongs to: each sentence of a page passage (with
    the page title for context) is a unit; a code-set entry gives its title (with context)
    and each inclusion term as units of their own."""
    by_key = {r.key: r for r in records}
    units: list[str] = []
    owner: list[int] = []
    for i, c in enumerate(chunks):
        record = by_key[(c.system, c.code)]
        lines = [c.embed_text]
        if record.source.kind == "document":
            spans = sentence_spans(c.text)
            if len(spans) > 1:
                lines = [f"{record.title}. {c.text[a:b]}" for a, b in spans]
        else:
            terms = [
                t
                for s in record.sections
                if s.name in POSITIVE_SECTIONS and s.name != "title"
                for t in s.text.split("\n")
            ]
            if terms:
                title_unit = c.embed_text.replace("; " + "; ".join(terms), "", 1)
                lines = [title_unit, *terms]
        units.extend(lines)
        owner.extend([i] * len(lines))
    return units, np.array(owner, np.int32)


def _digest(texts: Sequence[str]) -> str:
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode())
        h.update(b"\x00")
    return h.hexdigest()


def _previous(index_dir: Path) -> tuple[IndexFiles, Manifest] | None:
    try:
        folder = current_dir(index_dir)
        return IndexFiles(folder), read_manifest(folder)
    except Exception:  # no usable previous index: build everything
        return None


def build_index(
    corpus: Corpus,
    index_dir: Path,
    embedder: Embedder,
    cache_dir: Path,
    *,
    progress: bool = False,
    dense_kind: str = "auto",
    batch_size: int = 64,
) -> BuildReport:
    """Build and atomically publish an index of ``corpus`` under ``index_dir``."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    records = list(corpus.records)
    chunks = list(chunk_records(records))
    texts = dense_texts(records, chunks)
    unique = list(dict.fromkeys(texts))
    row_of = {t: i for i, t in enumerate(unique)}
    chunk_dense = np.array([row_of[t] for t in texts], np.int32)
    timings["chunk"] = time.perf_counter() - t0

    t = time.perf_counter()
    info = embedder.info
    cache = EmbeddingCache(cache_dir / "embeddings" / f"{info.cache_key}.npz", info.dimension)
    vectors, missing = cache.get(unique)
    if missing:
        logger.info("embedding %d new texts (%d cached)", len(missing), len(unique) - len(missing))
        todo = [unique[i] for i in missing]
        new = embedder.encode(todo, batch_size=batch_size, progress=progress)
        vectors[missing] = new
        cache.put(todo, new)
        try:
            cache.save()
        except OSError as exc:
            logger.warning("embedding cache not saved: %s", exc)
    timings["embed"] = time.perf_counter() - t

    build_dir = new_build_dir(index_dir)
    files = IndexFiles(build_dir)
    try:
        previous = _previous(index_dir)
        dense_sha = _digest(unique) + f":{dense_kind}:{info.sha256}:{info.backend}"
        t = time.perf_counter()
        if previous and previous[1].dense_sha == dense_sha:
            shutil.copy2(previous[0].dense, files.dense)  # unchanged: reuse
            kind = previous[1].dense.kind
        else:
            dense = DenseIndex.build(vectors, dense_kind)
            dense.save(files.dense)
            kind = dense.kind
        timings["faiss"] = time.perf_counter() - t

        t = time.perf_counter()
        units, unit_chunk = lexical_units(records, chunks)
        lexical_sha = (
            _digest(units) + _digest([str(x) for x in unit_chunk.tolist()]) + TOKENIZER_VERSION
        )
        if previous and previous[1].lexical_sha == lexical_sha:
            shutil.copytree(previous[0].lexical, files.lexical)
        else:
            LexicalIndex.build(units, unit_chunk).save(files.lexical)
        timings["bm25"] = time.perf_counter() - t

        t = time.perf_counter()
        write_records(files, records)
        ChunkTable.from_chunks(records, chunks).save(files.chunks)
        np.save(files.dense_map, chunk_dense)
        if corpus.pcs_tables is not None:
            files.pcs_tables.write_text(
                json.dumps(corpus.pcs_tables.to_json(), ensure_ascii=False), encoding="utf-8"
            )
        stats = corpus.stats()
        manifest = Manifest(
            model=ModelEntry(info.name, info.path, info.sha256, info.backend, info.dimension),
            dense=DenseEntry(kind, len(unique)),
            dense_sha=dense_sha,
            lexical_sha=lexical_sha,
            code_sets={
                s: CodeSetEntry(v.codes, v.billable, tuple(v.versions)) for s, v in stats.items()
            },
            documents=dict(corpus.document_hashes),
            records=len(records),
            chunks=len(chunks),
            libraries=library_versions(),
            built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            tokenizer=TOKENIZER_VERSION,
        )
        write_manifest(build_dir, manifest)
        final = publish(index_dir, build_dir)
        timings["write"] = time.perf_counter() - t
    except OSError as exc:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise write_error(index_dir, exc) from exc
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    return BuildReport(
        index_dir=index_dir,
        version_dir=final,
        records=len(records),
        chunks=len(chunks),
        dense_vectors=len(unique),
        embedded=len(missing),
        cached=len(unique) - len(missing),
        dense_kind=kind,
        seconds=time.perf_counter() - t0,
        timings=timings,
    )
