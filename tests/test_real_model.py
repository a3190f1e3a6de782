"""The few tests that load the real embedding model (bundled all-MiniLM-L6-v2, ONNX int8)."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest

from api.serving import RETRY_S
from assistant import Assistant
from corpus.loader import load_corpus
from index.build import build_index
from index.embedding.factory import load_embedder
from index.layout import current_dir
from tests.conftest import SEEDS
from tests.helpers import free_port
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
    # the source is named as a reader names it: the page's file name, no server path
    assert citation.source.document is not None and "/" not in citation.source.document
    assert citation.source.code == "64561" and citation.source.code_set == "CPT"
    page = (SEEDS / citation.source.document).read_bytes().decode("utf-8")
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


def _serve(
    index_dir: Path, cache: Path, *extra: str, tmp: Path | None = None
) -> tuple[subprocess.Popen[str], str]:
    """``medcode serve`` in a subprocess (``tmp``: its temporary folder, TMPDIR)."""
    port = free_port()
    env = {**os.environ, "MEDCODE_CACHE_DIR": str(cache)}
    if tmp is not None:
        env["TMPDIR"] = str(tmp)
    argv = [sys.executable, "-m", "api.cli", "serve", "--index-dir", str(index_dir)]
    proc = subprocess.Popen(
        [*argv, "--port", str(port), *extra],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, f"http://127.0.0.1:{port}"


def _versions_by_pid(url: str, want: int, deadline_s: float = 60) -> dict[int, str]:
    """/healthz over fresh connections, several at a time, until ``want`` processes
    have answered: {pid: index version}."""
    seen: dict[int, str] = {}
    deadline = time.monotonic() + deadline_s

    def probe(_: int) -> None:
        try:
            r = httpx.get(f"{url}/healthz", timeout=5)
        except httpx.TransportError:
            return
        if r.status_code == 200:
            seen[r.json()["pid"]] = r.json()["index_version"]

    with ThreadPoolExecutor(8) as pool:
        while len(seen) < want and time.monotonic() < deadline:
            list(pool.map(probe, range(16)))
            time.sleep(0.05)
    return seen


def _searches_counted(url: str) -> float:
    """/search requests answered 200, as one scrape of /metrics reports them."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("medcode_requests_total{")
        and 'route="/search"' in line
        and 'status="200"' in line
    )


def _children(pid: int) -> set[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return {int(p) for p in out.split()}


def test_workers_share_the_port_reload_together_and_stop_together(
    real, tmp_path: Path, fixtures: Path, seeds: Path
) -> None:
    """``medcode serve --workers 2`` (gunicorn with uvicorn workers): both processes
    answer; SIGHUP to the master and POST /admin/reload switch every worker; a killed worker
    is replaced, and one whose replacement cannot load the index leaves the other serving;
    SIGTERM stops all."""
    assistant, embedder = real
    index_dir = Path(assistant.index.folder).parent
    cache = Path(embedder.onnx_path).parents[2]
    run_tmp = tmp_path / "run-tmp"  # the server's own TMPDIR: its metrics folder goes there
    run_tmp.mkdir()
    proc, url = _serve(index_dir, cache, "--workers", "2", tmp=run_tmp)
    try:
        first = _versions_by_pid(url, 2)
        assert len(first) == 2 and set(first.values()) == {current_dir(index_dir).name}
        # 16 keep-alive connections opened at once are spread over both workers (each has
        # a listening socket of its own), not taken by whichever woke first
        host, port = url.removeprefix("http://").split(":")
        conns = [http.client.HTTPConnection(host, int(port), timeout=10) for _ in range(16)]
        for conn in conns:
            conn.connect()
        served: dict[int, int] = {}
        for conn in conns:
            conn.request("GET", "/healthz")
            pid = json.loads(conn.getresponse().read())["pid"]
            served[pid] = served.get(pid, 0) + 1
            conn.close()
        assert len(served) == 2 and min(served.values()) >= 2, served
        # /metrics sums the workers: every scrape, whichever worker answers, counts all
        with ThreadPoolExecutor(4) as pool:  # fresh connections, spread over both
            codes = pool.map(
                lambda _: httpx.get(f"{url}/search", params={"q": "urge incontinence"}),
                range(12),
            )
            assert [r.status_code for r in codes] == [200] * 12
        assert [_searches_counted(url) for _ in range(6)] == [12.0] * 6
        assert len(list(run_tmp.glob("medcode-metrics-*"))) == 1
        config = small_config(fixtures, seeds)
        build_index(load_corpus(config), index_dir, embedder, cache)  # a new live version
        new = current_dir(index_dir).name
        os.kill(proc.pid, signal.SIGHUP)
        deadline = time.monotonic() + 60
        while set(_versions_by_pid(url, 2).values()) != {new}:
            assert time.monotonic() < deadline, "not every worker switched after SIGHUP"
            time.sleep(0.2)
        build_index(load_corpus(config), index_dir, embedder, cache)
        newer = current_dir(index_dir).name
        r = httpx.post(f"{url}/admin/reload", timeout=60)
        assert r.status_code == 200 and r.json()["index_version"] == newer
        while set(_versions_by_pid(url, 2).values()) != {newer}:
            assert time.monotonic() < deadline, "the reload did not reach the other worker"
            time.sleep(0.2)
        workers = _children(proc.pid) & set(_versions_by_pid(url, 2))
        assert len(workers) == 2
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        for _ in range(5):  # the other worker keeps answering meanwhile
            assert httpx.get(f"{url}/search", params={"q": "urge incontinence"}).status_code == 200
        while victim in (after := _versions_by_pid(url, 2)) or len(after) < 2:
            assert time.monotonic() < deadline + 60, "the killed worker was not replaced"
            time.sleep(0.2)
        # a replacement that cannot load the live index does not stop the service
        pointer = index_dir / "CURRENT"
        live = pointer.read_text()
        pointer.write_text("v-gone")
        os.kill(min(after), signal.SIGKILL)
        time.sleep(2 + RETRY_S)  # a failed replacement and its retry
        assert proc.poll() is None
        for _ in range(5):
            assert httpx.get(f"{url}/search", params={"q": "urge incontinence"}).status_code == 200
        pointer.write_text(live)
        while len(after := _versions_by_pid(url, 2)) < 2:
            assert time.monotonic() < deadline + 120, "no replacement once the index was back"
            time.sleep(0.2)
        assert _searches_counted(url) == 22.0  # the killed workers' counts are kept
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0
        assert "leaked" not in err  # multiprocessing's resource tracker, at shutdown
        assert not list(run_tmp.glob("medcode-metrics-*"))  # the metrics folder is removed
        for pid in after:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_workers_that_cannot_load_the_index_stop_the_service(real, tmp_path: Path) -> None:
    assistant, embedder = real
    broken = tmp_path / "idx"
    shutil.copytree(Path(assistant.index.folder).parent, broken, symlinks=True)
    vectors = current_dir(broken) / "dense_map.npy"
    data = bytearray(vectors.read_bytes())
    data[-1] ^= 0xFF  # same size, other content: only the checksum tells
    vectors.write_bytes(bytes(data))
    proc, _ = _serve(broken, Path(embedder.onnx_path).parents[2], "--workers", "2")
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 2, err[-3000:]
    assert "dense_map.npy" in err and "checksum" in err


def test_a_note_statement_is_embedded_as_if_searched_alone(real) -> None:
    """The int8 model quantizes activations per batch: batched texts would get vectors
    that depend on their batch-mates, so a note's statements are run one by one."""
    assistant, embedder = real
    texts = ["Laparoscopic cholecystectomy for acute cholecystitis", "HTN", "a " * 60]
    vectors = assistant.retriever.embed_queries([(t, "ICD-10-PCS") for t in texts])
    assert len(vectors) >= len(texts)  # each searched text (expanded) once
    for text, vector in vectors.items():
        assert np.array_equal(vector[0], embedder.encode([text])[0])
