"""Test doubles: a deterministic bag-of-words embedder (no model needed)."""

from __future__ import annotations

import contextlib
import hashlib
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from index.embedding.base import ModelInfo


class HashEmbedder:
    """Hashes words into ``dim`` buckets; similar wording -> similar vectors."""

    def __init__(self, dim: int = 64, name: str = "hash-test", delay: float = 0.0) -> None:
        self.dim = dim
        self.delay = delay
        self.calls: list[int] = []
        sha = hashlib.sha256(f"{name}:{dim}".encode()).hexdigest()
        self.info = ModelInfo(name, "<test>", sha, "test", dim)

    def encode(
        self, texts: list[str], *, batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            if self.delay:
                time.sleep(self.delay)
            for word in re.findall(r"\w+", text.lower()):
                h = int.from_bytes(hashlib.md5(word[:6].encode()).digest()[:4], "little")
                out[i, h % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.clip(norms, 1e-9, None)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free 127.0.0.1 port; yields its URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
