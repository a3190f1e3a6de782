"""Index: build, persistence, verification, atomic switch, cache, FAISS vs brute force."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from corpus.chunking import chunk_records
from corpus.loader import CorpusConfig, load_corpus
from index.build import build_index, dense_texts
from index.dense import DenseIndex
from index.embedding.base import ModelInfo
from index.errors import (
    IndexCorruptError,
    IndexNotFoundError,
    IndexWriteError,
    ModelMismatchError,
)
from index.layout import current_dir
from index.lexical import LexicalIndex, tokenize
from index.search_index import SearchIndex
from tests.helpers import HashEmbedder


def small_config(fixtures: Path, seeds: Path | None = None) -> CorpusConfig:
    return CorpusConfig(
        systems=("ICD-10-CM", "ICD-10-PCS"),
        cm_xml=fixtures / "cm" / "icd10cm-tabular-mini.xml",
        pcs_file=fixtures / "icd10pcs_order_2026.txt",
        hcpcs_file=fixtures / "HCPC2026_JAN_ANWEB_mini.txt",
        documents=(seeds,) if seeds else (),
    )


@pytest.fixture()
def built(tmp_path: Path, fixtures: Path, seeds: Path):
    corpus = load_corpus(small_config(fixtures, seeds))
    embedder = HashEmbedder()
    report = build_index(corpus, tmp_path / "idx", embedder, tmp_path / "cache")
    return corpus, embedder, report, tmp_path


def test_round_trip_keeps_records_chunks_and_results(built) -> None:
    corpus, embedder, report, tmp = built
    assert report.records == len(corpus.records) and report.embedded == report.dense_vectors
    index = SearchIndex.open(tmp / "idx", model=embedder.info)
    assert [(r.system, r.code) for r in index.records] == [r.key for r in corpus.records]
    original = list(chunk_records(corpus.records))
    assert len(index.chunks) == len(original)
    for i, chunk in enumerate(original):
        loaded = index.chunks.get(i)
        assert (loaded.chunk_id, loaded.text, loaded.start, loaded.end, loaded.source) == (
            chunk.chunk_id,
            chunk.text,
            chunk.start,
            chunk.end,
            chunk.source,
        )
        record = index.records[index.by_key[(chunk.system, chunk.code)]]
        assert record.source_text[loaded.start : loaded.end] == loaded.text
    for r in corpus.records:
        assert index.record(r.system, r.code) == r
    q = embedder.encode(["urge incontinence"])
    again = SearchIndex.open(tmp / "idx", model=embedder.info)
    for a, b in zip(index.dense.search(q, 5), again.dense.search(q, 5), strict=True):
        assert np.array_equal(a, b)
    assert np.array_equal(index.lexical.scores("gallbladder"), again.lexical.scores("gallbladder"))


def test_manifest_records_versions_and_checksums(built) -> None:
    _, embedder, report, _ = built
    manifest = json.loads((report.version_dir / "manifest.json").read_text())
    assert manifest["model"]["sha256"] == embedder.info.sha256
    assert manifest["model"]["dimension"] == 64 and manifest["model"]["normalized"] is True
    assert manifest["code_sets"]["ICD-10-PCS"]["versions"] == ["FY2026"]
    assert manifest["code_sets"]["CPT"]["codes"] == 5
    assert len(manifest["documents"]) == 5
    assert "faiss-cpu" in manifest["libraries"]
    assert {"dense.faiss", "records.jsonl", "chunks.npz"} <= set(manifest["files"])


def test_second_build_embeds_nothing_and_new_document_only_its_chunks(built, seeds) -> None:
    corpus, _, _, tmp = built
    embedder = HashEmbedder()
    report = build_index(corpus, tmp / "idx", embedder, tmp / "cache")
    assert report.embedded == 0 and embedder.calls == []
    docs = tmp / "docs"
    docs.mkdir()
    for f in seeds.iterdir():
        (docs / f.name).write_bytes(f.read_bytes())
    (docs / "extra.md").write_text(
        "# Lumbar puncture\n\nCPT® Code 62270 describes a diagnostic spinal puncture.\n"
    )
    bigger = load_corpus(small_config(Path(__file__).parent / "fixtures", docs))
    report = build_index(bigger, tmp / "idx", embedder, tmp / "cache")
    assert report.embedded == 1  # the one passage of the new page
    assert embedder.calls == [1]


def test_corrupted_truncated_and_missing_files_are_refused(built) -> None:
    _, embedder, report, tmp = built
    dense = report.version_dir / "dense.faiss"
    data = bytearray(dense.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dense.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match=r"dense\.faiss.*checksum"):
        SearchIndex.open(tmp / "idx", model=embedder.info)
    dense.write_bytes(bytes(data[:-100]))
    with pytest.raises(IndexCorruptError, match="truncated"):
        SearchIndex.open(tmp / "idx", model=embedder.info)
    dense.unlink()
    with pytest.raises(IndexCorruptError, match="missing"):
        SearchIndex.open(tmp / "idx", model=embedder.info)
    (report.version_dir / "manifest.json").write_text("{oops")
    with pytest.raises(IndexCorruptError, match="not valid JSON"):
        SearchIndex.open(tmp / "idx", model=embedder.info)


def test_mismatched_model_is_refused(built) -> None:
    _, embedder, _, tmp = built
    other = ModelInfo("other-model", "<x>", "f" * 64, "test", 64)
    with pytest.raises(ModelMismatchError, match="other-model"):
        SearchIndex.open(tmp / "idx", model=other)
    wrong_dim = ModelInfo(embedder.info.name, "<x>", embedder.info.sha256, "test", 32)
    with pytest.raises(ModelMismatchError):
        SearchIndex.open(tmp / "idx", model=wrong_dim)


def test_no_index_and_unwritable_dir(tmp_path: Path, fixtures: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="medcode index build"):
        SearchIndex.open(tmp_path / "nothing")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    corpus = load_corpus(small_config(fixtures))
    with pytest.raises(IndexWriteError, match="cannot write the index"):
        build_index(corpus, blocker / "idx", HashEmbedder(), tmp_path / "cache")


KILL_SCRIPT = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.helpers import HashEmbedder
from tests.test_index import small_config
from corpus.loader import load_corpus
import index.build
real_publish = index.build.publish
def slow_publish(*args):  # every file is written; the switch has not happened yet
    print("WRITTEN", flush=True)
    time.sleep(60)
    return real_publish(*args)
index.build.publish = slow_publish
corpus = load_corpus(small_config(Path({fixtures!r})))
index.build.build_index(corpus, Path({index!r}), HashEmbedder(), Path({cache!r}) / "other")
"""


def test_build_killed_midway_leaves_previous_index_live(built, fixtures: Path) -> None:
    _, embedder, report, tmp = built
    script = KILL_SCRIPT.format(
        root=str(Path(__file__).resolve().parents[1]),
        fixtures=str(fixtures),
        index=str(tmp / "idx"),
        cache=str(tmp),
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "WRITTEN"
        assert list((tmp / "idx").glob(".tmp-*/manifest.json"))  # a complete, unpublished build
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert current_dir(tmp / "idx") == report.version_dir
    index = SearchIndex.open(tmp / "idx", model=embedder.info)
    assert len(index.records) == report.records
    # the next build cleans the dead build's leftovers and switches atomically
    corpus = load_corpus(small_config(fixtures))
    new = build_index(corpus, tmp / "idx", HashEmbedder(), tmp / "cache")
    assert current_dir(tmp / "idx") == new.version_dir
    assert not list((tmp / "idx").glob(".tmp-*"))


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_faiss_matches_numpy_brute_force(kind: str) -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(2000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = rng.normal(size=(50, 32)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    dense = DenseIndex.build(vectors, kind)
    assert dense.kind == kind
    scores, ids = dense.search(queries, 10)
    truth = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    if kind == "flat":
        assert np.array_equal(ids, truth)
        assert np.allclose(scores, np.take_along_axis(queries @ vectors.T, truth, 1), atol=1e-5)
    else:
        recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, truth, strict=True)])
        assert recall >= 0.95


def test_lexical_chunk_score_is_best_unit() -> None:
    units = ["Essential hypertension", "high blood pressure", "Urge incontinence"]
    lexical = LexicalIndex.build(units, np.array([0, 0, 1], np.int32))
    scores = lexical.scores("high blood pressure")
    alone = LexicalIndex.build(units, np.array([0, 1, 2], np.int32)).scores("high blood pressure")
    assert scores.shape == (2,)
    assert scores[0] == pytest.approx(alone[1]) and scores[1] == 0
    with pytest.raises(ValueError):
        LexicalIndex.build(units, np.array([1, 0, 0], np.int32))


def test_unknown_model_name_is_a_clear_error_and_never_downloaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.embedding.base import resolve_model_path
    from index.errors import EmbedderError

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-hf-cache"))
    with pytest.raises(EmbedderError, match="never downloads"):
        resolve_model_path("someone/not-a-local-model")
    assert resolve_model_path(str(tmp_path)) == tmp_path  # a local directory is taken as is


def test_codes_differing_only_in_side_share_one_vector(fixtures: Path) -> None:
    corpus = load_corpus(small_config(fixtures))
    records = list(corpus.records)
    chunks = list(chunk_records(records))
    text_of = {c.code: t for c, t in zip(chunks, dense_texts(records, chunks), strict=True)}
    right = next(c for c in text_of if c.startswith("S72.001"))
    left = right.replace("S72.001", "S72.002")
    assert left in text_of and text_of[right] == text_of[left]
    assert "right" not in text_of[right].lower() and "femur" in text_of[right]


@pytest.mark.parametrize("sort_max", [0, 10**9])  # the bincount path and the sorting path
def test_lexical_scores_match_bm25s_reference(
    sort_max: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per-chunk scores equal bm25s's own scores of every unit, maximized per chunk."""
    import index.lexical as lexical_module

    monkeypatch.setattr(lexical_module, "_SORT_MAX", sort_max)
    rng = np.random.default_rng(7)
    words = [
        "fracture",
        "femur",
        "left",
        "right",
        "closed",
        "open",
        "displaced",
        "shaft",
        "neck",
        "tibia",
        "knee",
    ]
    units = [" ".join(rng.choice(words, rng.integers(1, 7))) for _ in range(300)]
    unit_chunk = np.sort(rng.integers(0, 120, len(units)))
    unit_chunk = np.unique(unit_chunk, return_inverse=True)[1]  # no empty chunk
    lexical = LexicalIndex.build(units, unit_chunk)
    for query in ["left femur fracture", "femur femur shaft", "knee", "unknownword", "the"]:
        got = lexical.scores(query)
        tokens = [t for t in tokenize(query) if t in lexical.model.vocab_dict]
        if tokens:
            per_unit = np.asarray(lexical.model.get_scores(tokens), np.float32)
            want = np.maximum.reduceat(per_unit, lexical.starts)
        else:
            want = np.zeros(len(lexical.starts), np.float32)
        assert got.shape == want.shape and got.dtype == np.float32
        assert np.allclose(got, want, rtol=1e-6, atol=0), query
        assert np.array_equal(np.flatnonzero(got), np.flatnonzero(want))
