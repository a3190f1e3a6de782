"""The few tests that load the real embedding model (bundled all-MiniLM-L6-v2, ONNX int8)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant
from corpus.loader import load_corpus
from index.build import build_index
from index.embedding.factory import load_embedder
from tests.test_index import small_config

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory, fixtures: Path, seeds: Path):
    tmp = tmp_path_factory.mktemp("real")
    embedder = load_embedder("bundled", "onnx-int8", tmp / "cache")
    build_index(load_corpus(small_config(fixtures, seeds)), tmp / "idx", embedder, tmp / "cache")
    return Assistant.open(tmp / "idx", cache_dir=tmp / "cache"), embedder


def test_sacral_lead_query_finds_64561_and_n39_41(real) -> None:
    assistant, _ = real
    response = assistant.search("percutaneous sacral lead for urge incontinence", k=20)
    grouped = response.by_system()
    assert grouped["CPT"][0].code == "64561"
    assert "N39.41" in [r.code for r in grouped["ICD-10-CM"][:3]]
    citation = grouped["CPT"][0].citations[0]
    page = Path(citation.source).read_bytes().decode("utf-8")
    assert page[citation.start : citation.end] == citation.text


def test_embeddings_are_normalized_and_semantic(real) -> None:
    _, embedder = real
    v = embedder.encode(["urge incontinence", "urinary urgency with leakage", "fracture of femur"])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_onnx_export_matches_sentence_transformers(real, tmp_path_factory) -> None:
    _, int8 = real
    cache = Path(int8.onnx_path).parents[2]  # <cache>/models/<sha>/model-int8.onnx
    onnx = load_embedder("bundled", "onnx", cache)
    torch = load_embedder("bundled", "torch", cache)
    texts = [
        "urge incontinence",
        "Insertion of Neurostimulator Lead into Peripheral Nerve, Percutaneous Approach",
        "a",
    ]
    batch = onnx.encode(texts)
    singles = np.vstack([onnx.encode([t]) for t in texts])  # no padding at all
    reference = torch.encode(texts)
    assert np.min(np.sum(batch * reference, axis=1)) > 0.9999
    assert np.min(np.sum(singles * reference, axis=1)) > 0.9999
    assert np.min(np.sum(int8.encode(texts) * reference, axis=1)) > 0.95
