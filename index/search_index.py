"""A loaded, verified index: records, chunks, FAISS, BM25 and the exact-code table."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.errors import CorpusError
from corpus.pcs_axes import PcsTables
from corpus.records import CodeRecord
from index.dense import DenseIndex, DenseStore
from index.embedding.base import ModelInfo
from index.errors import IndexCorruptError, ModelMismatchError
from index.layout import IndexFiles, current_dir
from index.lexical import TOKENIZER_VERSION, LexicalIndex
from index.manifest import Manifest, read_manifest, verify_files
from index.store import ChunkTable, RecordStore

logger = logging.getLogger(__name__)


def check_model(manifest: Manifest, model: ModelInfo) -> None:
    built = manifest.model
    if built.sha256 != model.sha256 or built.dimension != model.dimension:
        raise ModelMismatchError(
            f"the index was built with model {built.name!r} "
            f"(sha256 {built.sha256[:12]}, dimension {built.dimension}), but "
            f"the configured model is {model.name!r} (sha256 {model.sha256[:12]}, dimension "
            f"{model.dimension}); rebuild the index or configure the same model"
        )
    if built.backend != model.backend:
        logger.warning(
            "index embedded with backend %s, queries use %s", built.backend, model.backend
        )


@dataclass
class SearchIndex:
    folder: Path
    manifest: Manifest
    records: RecordStore
    by_key: dict[tuple[str, str], int]
    chunks: ChunkTable
    chunk_dense: np.ndarray  # chunk -> dense row
    dense_chunks: list[np.ndarray]  # dense row -> chunk ids
    record_chunks: list[np.ndarray]  # record row -> chunk ids
    dense: DenseStore  # FAISS (index.dense.DenseIndex), loaded from the version folder
    lexical: LexicalIndex
    pcs: PcsTables | None = None  # ICD-10-PCS axis meanings and valid combinations

    @classmethod
    def open(
        cls, index_dir: Path, *, model: ModelInfo | None = None, verify: bool = True
    ) -> SearchIndex:
        """Load the live version under ``index_dir``, verifying files and the model."""
        t = time.perf_counter()
        folder = current_dir(index_dir)
        manifest = read_manifest(folder)
        if model is not None:
            check_model(manifest, model)
        verify_files(folder, manifest, checksums=verify)
        if manifest.tokenizer != TOKENIZER_VERSION:
            raise IndexCorruptError(
                f"{folder}: BM25 was built with tokenizer {manifest.tokenizer!r}, this "
                f"medcode tokenizes as {TOKENIZER_VERSION!r}; rebuild with `medcode index build`"
            )
        files = IndexFiles(folder)
        try:
            records = RecordStore(files)
            chunks = ChunkTable.load(files.chunks, records)
            chunk_dense = np.load(files.dense_map)
            dense = DenseIndex.load(files.dense)
            lexical = LexicalIndex.load(files.lexical)
            pcs = None
            if files.pcs_tables.name in manifest.files:
                pairs = zip(records.codes, records.systems, strict=True)
                pcs_codes = [c for c, s in pairs if s == "ICD-10-PCS"]
                data = json.loads(files.pcs_tables.read_text(encoding="utf-8"))
                pcs = PcsTables.from_json(data, pcs_codes)
        except (OSError, ValueError, KeyError, RuntimeError, CorpusError) as exc:
            raise IndexCorruptError(f"cannot read the index in {folder}: {exc}") from exc
        if len(records) != manifest.records or len(chunks) != manifest.chunks:
            raise IndexCorruptError(f"{folder}: record or chunk count differs from the manifest")
        if dense.size != manifest.dense.vectors or len(chunk_dense) != len(chunks):
            raise IndexCorruptError(f"{folder}: vector count differs from the manifest")
        order = np.argsort(chunk_dense, kind="stable")
        bounds = np.searchsorted(chunk_dense[order], np.arange(dense.size + 1))
        dense_chunks = [order[bounds[i] : bounds[i + 1]] for i in range(dense.size)]
        rorder = np.argsort(chunks.record_row, kind="stable")  # record -> its chunks
        rbounds = np.searchsorted(chunks.record_row[rorder], np.arange(len(records) + 1))
        record_chunks = [rorder[rbounds[i] : rbounds[i + 1]] for i in range(len(records))]
        by_key = {k: i for i, k in enumerate(zip(records.systems, records.codes, strict=True))}
        logger.info("index %s loaded in %.1fs", folder.name, time.perf_counter() - t)
        return cls(
            folder,
            manifest,
            records,
            by_key,
            chunks,
            chunk_dense,
            dense_chunks,
            record_chunks,
            dense,
            lexical,
            pcs,
        )

    def record(self, system: str, code: str) -> CodeRecord | None:
        row = self.by_key.get((system, code))
        return None if row is None else self.records[row]
