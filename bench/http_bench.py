"""HTTP latency and throughput of ``medcode serve`` on loopback, and its memory.

    .venv/bin/python bench/http_bench.py --index-dir DIR eval/dev.jsonl \
        [--workers 2] [--duration 20] [--notes tests/fixtures/notes]

Starts the server, then: one warm-up pass over the queries; ``GET /search`` latency at
concurrency 1 (stdlib keep-alive client, two passes); throughput at concurrency 16 with
wrk (Debian package ``wrk``; one client thread, queries rotated by a Lua script);
``POST /suggest`` latency per note; the server's RSS (all its processes) before and
after the load. Prints JSON.

The VM's speed drifts by a third or more over hours, so the script also times the
query embedding alone (one thread, in this process, with the server idle: before it
starts and after the load), ``embed_ms_per_query``: a rough record of the machine's
one-core speed during the run (it predicts the two-core throughput only loosely).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from api.settings import Settings
from assistant.evaluate import load_cases
from index.embedding.factory import load_embedder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree_rss_mb(pid: int) -> float:
    """RSS of ``pid`` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return round(s[min(len(s) - 1, int(len(s) * p))], 2)


def summary(times: list[float]) -> dict[str, float]:
    return {
        "n": len(times),
        "p50_ms": pct(times, 0.5),
        "p95_ms": pct(times, 0.95),
        "p99_ms": pct(times, 0.99),
    }


def timed_get(conn: http.client.HTTPConnection, path: str) -> float:
    t = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"{path} -> {response.status}")
    return (time.perf_counter() - t) * 1000


def embed_speed(embed: Callable[[list[str]], object], queries: list[str]) -> float:
    """ms per query to embed ``queries`` one at a time, best of 3 passes (machine speed)."""
    for q in queries[:20]:
        embed([q])
    passes = []
    for _ in range(3):
        t = time.perf_counter()
        for q in queries:
            embed([q])
        passes.append((time.perf_counter() - t) * 1000 / len(queries))
    return round(min(passes), 2)


def all_ready(port: int, workers: int, t0: float) -> None:
    """Wait until every worker has answered /healthz (each names its pid)."""
    seen: set[int] = set()
    while len(seen) < workers:
        if time.perf_counter() - t0 > 180:
            raise SystemExit(f"only {len(seen)} of {workers} workers answered")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            if response.status == 200:
                seen.add(int(json.loads(response.read())["pid"]))
        except OSError:
            time.sleep(0.1)
        finally:
            conn.close()


def wrk(port: int, paths: list[str], duration: int, connections: int) -> dict[str, object]:
    if shutil.which("wrk") is None:
        return {"error": "wrk is not installed (apt-get install wrk)"}
    lua = (
        "paths = {"
        + ",".join(json.dumps(p) for p in paths)
        + "}\n"
        + (
            "i = 0\nrequest = function()\n  i = i + 1\n"
            "  return wrk.format('GET', paths[(i % #paths) + 1])\nend\n"
        )
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            f.name,
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(f.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    lat = dict(re.findall(r"\s+(50|90|99)%\s+([\d.]+\w+)", out))
    return {
        "connections": connections,
        "duration_s": duration,
        "requests": total,
        "requests_per_s": rate,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sock.group(1) if sock else "none",
        "latency": lat,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file")
    parser.add_argument("--index-dir", required=True)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="medcode serve --workers")
    parser.add_argument("--notes", default="tests/fixtures/notes")
    args = parser.parse_args()
    queries = [c.query for c in load_cases(Path(args.file))]
    paths = [f"/search?{urllib.parse.urlencode({'q': q, 'k': 10})}" for q in queries]
    settings = Settings(index_dir=Path(args.index_dir))
    embedder = load_embedder(settings.model, "onnx-int8", settings.cache_dir, threads=1)
    speed_before = embed_speed(embedder.encode, queries)
    port = free_port()
    medcode = str(Path(sys.executable).with_name("medcode"))
    server = subprocess.Popen(
        [
            medcode,
            "serve",
            "--index-dir",
            args.index_dir,
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        t = time.perf_counter()
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                timed_get(conn, "/healthz")
                break
            except (OSError, RuntimeError):
                if server.poll() is not None or time.perf_counter() - t > 180:
                    raise SystemExit("server did not start") from None
                time.sleep(0.2)
        all_ready(port, args.workers, t)
        started_s = round(time.perf_counter() - t, 1)
        rss_start = tree_rss_mb(server.pid)
        first = [timed_get(conn, p) for p in paths]
        warm = [timed_get(conn, p) for p in paths] + [timed_get(conn, p) for p in paths]
        notes = sorted(Path(args.notes).glob("*.txt"))
        suggest = []
        for _ in range(10):
            for note in notes:
                body = json.dumps({"text": note.read_text()})
                t0 = time.perf_counter()
                conn.request("POST", "/suggest", body, {"Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                assert r.status == 200, r.status
                suggest.append((time.perf_counter() - t0) * 1000)
        rss_before_load = tree_rss_mb(server.pid)
        load = wrk(port, paths, args.duration, 16)
        rss_after = tree_rss_mb(server.pid)
        speed_after = embed_speed(embedder.encode, queries)
        result = {
            "workers": args.workers,
            "embed_ms_per_query": {"before": speed_before, "after": speed_after},
            "start_to_healthy_s": started_s,
            "search_c1_first_pass": summary(first),
            "search_c1_warm": summary(warm),
            "suggest_c1": summary(suggest),
            "search_c16": load,
            "rss_mb": {
                "after_start": rss_start,
                "before_load": rss_before_load,
                "after_load": rss_after,
            },
        }
        print(json.dumps(result, indent=2))
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
