"""ONNX Runtime backend (fp32 or int8), exported once from the local model and cached.

The transformer is exported with ``torch.onnx`` to ``<cache>/models/<sha>/model.onnx``
(and quantized per channel to ``model-int8.onnx``); pooling and normalization run in
numpy, as the model's ``1_Pooling/config.json`` says (mean or CLS).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from index.embedding.base import MAX_TOKENS, ModelInfo, resolve_model_path, weights_sha256
from index.errors import EmbedderError

logger = logging.getLogger(__name__)


def _pooling_mode(path: Path) -> str:
    config = path / "1_Pooling" / "config.json"
    if config.is_file():
        data = json.loads(config.read_text())
        if data.get("pooling_mode_cls_token"):
            return "cls"
    return "mean"


def _max_length(path: Path) -> int:
    config = path / "sentence_bert_config.json"
    if config.is_file():
        return min(MAX_TOKENS, int(json.loads(config.read_text()).get("max_seq_length", 256)))
    return MAX_TOKENS


def _export(model_dir: Path, target: Path) -> None:
    """Export the transformer's last hidden state to ONNX (atomic write)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    model = AutoModel.from_pretrained(str(model_dir)).eval()
    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = tokenizer(["a b", "a longer sample text"], padding=True, return_tensors="pt")
    names = [n for n in names if n in sample]

    class Wrapper(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *args: torch.Tensor) -> torch.Tensor:
            out = self.model(**dict(zip(names, args, strict=True)))
            return out.last_hidden_state  # type: ignore[no-any-return]

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
    os.close(fd)
    axes = {n: {0: "batch", 1: "seq"} for n in names}
    axes["hidden"] = {0: "batch", 1: "seq"}
    try:
        # The tracer warns about data-dependent branches (mask handling); the sample batch
        # is padded, so the traced graph keeps the attention mask (checked against
        # sentence-transformers in tests and docs/benchmarks.md).
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Wrapper(),
                tuple(sample[n] for n in names),
                tmp,
                input_names=names,
                output_names=["hidden"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _quantize(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    def not_preprocessing_advice(record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()

    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
    os.close(fd)
    root = logging.getLogger()  # onnxruntime logs this advice on the root logger
    root.addFilter(not_preprocessing_advice)
    try:
        quantize_dynamic(str(source), tmp, weight_type=QuantType.QInt8, per_channel=True)
        os.replace(tmp, target)
    finally:
        root.removeFilter(not_preprocessing_advice)
        if os.path.exists(tmp):
            os.unlink(tmp)


class _Runner:
    """One ONNX Runtime session with its tokenizer; also created inside worker processes."""

    def __init__(self, onnx_path: str, model_dir: str, threads: int) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        self.tokenizer.enable_truncation(_max_length(Path(model_dir)))
        self.tokenizer.enable_padding()
        self.pooling = _pooling_mode(Path(model_dir))

    def run(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden: np.ndarray = self.session.run(None, feeds)[0]
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        out: np.ndarray = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return out


_WORKER: _Runner | None = None


def _worker_init(onnx_path: str, model_dir: str) -> None:
    global _WORKER
    _WORKER = _Runner(onnx_path, model_dir, threads=1)


def _worker_run(batches: list[list[str]]) -> list[np.ndarray]:
    assert _WORKER is not None
    return [_WORKER.run(batch) for batch in batches]


# Below this many texts one process is used; above it, one single-threaded process per
# core, which measured faster here than one process with a thread per core.
PARALLEL_MIN = 4096


class _NoBar:
    """Stands in for a progress bar when none is wanted. Even a disabled tqdm bar takes
    tqdm's multiprocessing lock, and in a server worker the semaphores behind it are
    reported as leaked at shutdown."""

    def update(self, n: int) -> None:
        pass

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(total: int) -> Any:
    from tqdm import tqdm

    # on a terminal only (disable=None turns it off when not a TTY)
    return tqdm(total=total, desc="embedding", unit="text", disable=None)


class OnnxEmbedder:
    def __init__(
        self, model: str, cache_dir: Path, *, quantized: bool = False, threads: int | None = None
    ) -> None:
        path = resolve_model_path(model)
        sha = weights_sha256(path)
        folder = cache_dir / "models" / sha[:16]
        onnx_path = folder / "model.onnx"
        try:
            if not onnx_path.is_file():
                logger.info("exporting %s to ONNX (once)", path)
                _export(path, onnx_path)
            if quantized:
                int8 = folder / "model-int8.onnx"
                if not int8.is_file():
                    logger.info("quantizing %s to int8 (once)", onnx_path)
                    _quantize(onnx_path, int8)
                onnx_path = int8
        except Exception as exc:
            raise EmbedderError(f"cannot export {path} to ONNX: {exc}") from exc
        self.onnx_path, self.model_dir = str(onnx_path), str(path)
        self.workers = os.cpu_count() or 1
        self.runner = _Runner(self.onnx_path, self.model_dir, threads or self.workers)
        self.dimension = int(self.runner.run(["dimension probe"]).shape[1])
        backend = "onnx-int8" if quantized else "onnx"
        self.info = ModelInfo(str(model), str(path), sha, backend, self.dimension)

    def _encode_parallel(
        self, texts: list[str], batches: list[np.ndarray], out: np.ndarray, bar: Any
    ) -> bool:
        """Encode in one single-threaded process per core; False if the pool cannot start."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        groups = [batches[i : i + 8] for i in range(0, len(batches), 8)]
        jobs = [[[texts[j] for j in idx] for idx in group] for group in groups]
        try:
            with ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
                initargs=(self.onnx_path, self.model_dir),
            ) as pool:
                for group, vectors in zip(groups, pool.map(_worker_run, jobs), strict=True):
                    for idx, vec in zip(group, vectors, strict=True):
                        out[idx] = vec
                        bar.update(len(idx))
        except (BrokenProcessPool, OSError) as exc:
            logger.warning("parallel embedding unavailable (%s); using one process", exc)
            bar.reset()
            return False
        return True

    def encode(
        self, texts: list[str], *, batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        batches = [order[i : i + batch_size] for i in range(0, len(texts), batch_size)]
        bar = _progress_bar(len(texts)) if progress else _NoBar()
        done = False
        if len(texts) >= PARALLEL_MIN and self.workers > 1:
            done = self._encode_parallel(texts, batches, out, bar)
        if not done:
            for idx in batches:
                out[idx] = self.runner.run([texts[j] for j in idx])
                bar.update(len(idx))
        bar.close()
        return out
