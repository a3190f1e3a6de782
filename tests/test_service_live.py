"""A live server on 127.0.0.1 under bounded load, live reindex, and faults.

Each test starts uvicorn in a thread on a free loopback port with a small index built
by the hash test embedder (no model), and talks to it over real HTTP.
"""

from __future__ import annotations

import errno
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from assistant.assistant import Assistant
from assistant.search import Retriever
from corpus.loader import load_corpus
from index.build import build_index
from index.errors import IndexWriteError
from index.layout import current_dir
from index.search_index import SearchIndex
from tests.helpers import HashEmbedder, live_server
from tests.test_index import KILL_SCRIPT, small_config

QUERIES = [
    "percutaneous sacral lead for urge incontinence",
    "urge incontinence",
    "fracture of neck of left femur",
    "N39.41",
    "neurostimulator generator replacement",
]
NOTE = "PROCEDURE: Percutaneous implantation of sacral nerve electrode array. No infection."


@dataclass
class Live:
    url: str
    index_dir: Path
    cache: Path
    embedder: HashEmbedder


@pytest.fixture()
def live(tmp_path: Path, fixtures: Path, seeds: Path) -> Iterator[Live]:
    embedder = HashEmbedder()
    index_dir = tmp_path / "idx"
    build_index(load_corpus(small_config(fixtures, seeds)), index_dir, embedder, tmp_path / "c")

    def opener(settings: Settings) -> Assistant:
        index = SearchIndex.open(settings.index_dir, model=embedder.info)
        return Assistant(Retriever(index, embedder))

    with live_server(create_app(Settings(index_dir=index_dir), opener)) as url:
        yield Live(url, index_dir, tmp_path / "c", embedder)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _mixed_requests(client: httpx.Client, i: int) -> int:
    kind = i % 4
    if kind == 3:
        return client.post("/suggest", json={"text": NOTE}).status_code
    if kind == 2:
        body = {"messages": [{"role": "user", "content": QUERIES[i % len(QUERIES)]}]}
        return client.post("/v1/chat/completions", json=body).status_code
    return client.get("/search", params={"q": QUERIES[i % len(QUERIES)]}).status_code


def test_bounded_load_has_no_errors_and_bounded_memory(live: Live) -> None:
    """8 concurrent clients, 800 mixed requests: all 200; RSS grows less than 40 MB after
    a warm-up round (the bound covers allocator noise, not a leak per request)."""
    with httpx.Client(base_url=live.url, timeout=30) as warm:
        for i in range(100):
            assert _mixed_requests(warm, i) == 200
    before = _rss_mb()

    def worker(w: int) -> list[int]:
        with httpx.Client(base_url=live.url, timeout=30) as client:
            return [_mixed_requests(client, w * 100 + i) for i in range(100)]

    with ThreadPoolExecutor(8) as pool:
        statuses = [s for batch in pool.map(worker, range(8)) for s in batch]
    assert len(statuses) == 800 and set(statuses) == {200}
    assert _rss_mb() - before < 40


def _add_document(seeds: Path, tmp: Path) -> Path:
    docs = tmp / "docs"
    shutil.copytree(seeds, docs)
    (docs / "zz_new.txt").write_text(
        "CPT 99999 Zygomatic widget implantation\n\n"
        "Zygomatic widget implantation places a widget in the zygomatic arch.\n"
    )
    manifest = (docs / "manifest.json").read_text()
    (docs / "manifest.json").write_text(
        manifest.replace(
            '"documents": [',
            '"documents": [{"file": "zz_new.txt", "system": "CPT", "code": "99999"},',
        )
    )
    return docs


def test_live_reindex_switches_atomically_and_no_request_fails(
    live: Live, fixtures: Path, seeds: Path, tmp_path: Path
) -> None:
    with httpx.Client(base_url=live.url, timeout=30) as client:
        old = client.get("/healthz").json()["index_version"]
        seen: list[tuple[float, float, int, str]] = []
        stop = threading.Event()

        def hammer() -> None:
            with httpx.Client(base_url=live.url, timeout=30) as c:
                i = 0
                while not stop.is_set():
                    t0 = time.monotonic()
                    r = c.get("/search", params={"q": QUERIES[i % len(QUERIES)]})
                    seen.append(
                        (t0, time.monotonic(), r.status_code, r.headers.get("x-medcode-index", ""))
                    )
                    i += 1

        threads = [threading.Thread(target=hammer) for _ in range(3)]
        for t in threads:
            t.start()
        docs = _add_document(seeds, tmp_path)
        config = small_config(fixtures, docs)
        build_index(load_corpus(config), live.index_dir, live.embedder, live.cache)
        time.sleep(0.2)
        reload = client.post("/admin/reload")
        switched = time.monotonic()
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(10)
        assert reload.status_code == 200
        new = reload.json()["index_version"]
        assert reload.json()["previous_version"] == old and new != old
        assert seen and {s for _, _, s, _ in seen} == {200}
        assert {v for _, _, _, v in seen} <= {old, new}
        assert all(v == new for t0, _, _, v in seen if t0 > switched)  # no going back
        assert any(v == old for *_, v in seen) and any(v == new for *_, v in seen)
        hit = client.get("/search", params={"q": "zygomatic widget implantation", "k": 3})
        assert hit.json()["results"][0]["code"] == "99999"


def test_killed_build_leaves_the_old_index_serving(live: Live, fixtures: Path) -> None:
    script = KILL_SCRIPT.format(
        root=str(Path(__file__).resolve().parents[1]),
        fixtures=str(fixtures),
        index=str(live.index_dir),
        cache=str(live.cache),
    )
    with httpx.Client(base_url=live.url, timeout=30) as client:
        old = client.get("/healthz").json()["index_version"]
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "WRITTEN"
            assert client.get("/search", params={"q": QUERIES[0]}).status_code == 200
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
        reload = client.post("/admin/reload")
        assert reload.status_code == 200 and reload.json()["index_version"] == old
        r = client.get("/search", params={"q": QUERIES[0]})
        assert r.status_code == 200 and r.headers["x-medcode-index"] == old


def test_corrupt_new_index_is_refused_on_reload_and_old_keeps_serving(
    live: Live, fixtures: Path, seeds: Path
) -> None:
    with httpx.Client(base_url=live.url, timeout=30) as client:
        old = client.get("/healthz").json()["index_version"]
        build_index(
            load_corpus(small_config(fixtures, seeds)), live.index_dir, live.embedder, live.cache
        )
        broken = current_dir(live.index_dir) / "dense_map.npy"
        broken.write_bytes(broken.read_bytes()[:-8])  # truncated
        r = client.post("/admin/reload")
        assert r.status_code == 503
        message = r.json()["error"]["message"]
        assert "dense_map.npy" in message and "truncated" in message
        s = client.get("/search", params={"q": QUERIES[0]})
        assert s.status_code == 200 and s.headers["x-medcode-index"] == old
        assert client.get("/healthz").status_code == 200
        assert 'medcode_index_reloads_total{outcome="failed"} 1.0' in client.get("/metrics").text


def test_serve_refuses_a_truncated_index_at_start(tmp_path: Path, fixtures: Path) -> None:
    index_dir = tmp_path / "idx"
    build_index(load_corpus(small_config(fixtures)), index_dir, HashEmbedder(), tmp_path / "c")
    records = current_dir(index_dir) / "records.jsonl"
    records.write_bytes(records.read_bytes()[:100])
    proc = subprocess.run(
        [sys.executable, "-m", "api.cli", "serve", "--index-dir", str(index_dir), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.returncode == 2
    assert "records.jsonl" in proc.stderr and "truncated" in proc.stderr


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.ENOSPC, "the disk is full"), (errno.EROFS, "the file system is read-only")],
)
def test_disk_full_or_read_only_during_build_is_a_clear_error(
    live: Live, fixtures: Path, monkeypatch: pytest.MonkeyPatch, code: int, words: str
) -> None:
    import index.build

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code))

    before = current_dir(live.index_dir)
    monkeypatch.setattr(index.build, "write_records", fail)
    with pytest.raises(IndexWriteError, match=words):
        build_index(load_corpus(small_config(fixtures)), live.index_dir, live.embedder, live.cache)
    assert current_dir(live.index_dir) == before
    assert not list(live.index_dir.glob(".tmp-*"))  # nothing half-written is left
    with httpx.Client(base_url=live.url, timeout=30) as client:
        assert client.get("/search", params={"q": QUERIES[0]}).status_code == 200
