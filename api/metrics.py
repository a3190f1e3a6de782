"""Prometheus metrics, one registry per app (so tests can build many apps).

Under ``medcode serve --workers N`` the gunicorn master points ``PROMETHEUS_MULTIPROC_DIR``
at a folder of its own before it starts the workers (``api.serving``): each worker's values
then live in files there, and ``/metrics`` in any worker reports the sum over all of them
(counters and histograms keep the counts of workers that exited; the gauges count live
workers).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

BUCKETS = (0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.requests = Counter(
            "medcode_requests", "HTTP requests", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "medcode_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=BUCKETS,
            registry=r,
        )
        # with several workers: the sum, the minimum and the maximum over the live ones
        self.in_flight = Gauge(
            "medcode_requests_in_flight",
            "requests being served",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.index_loaded = Gauge(
            "medcode_index_loaded",
            "1 when an index is loaded (in every worker)",
            registry=r,
            multiprocess_mode="livemin",
        )
        self.index_records = Gauge(
            "medcode_index_records", "records in the index", registry=r, multiprocess_mode="livemax"
        )
        self.reloads = Counter("medcode_index_reloads", "index reloads", ["outcome"], registry=r)

    def set_index(self, records: int | None) -> None:
        """After each load (or failed load): the loaded index's size, None if none."""
        self.index_loaded.set(0 if records is None else 1)
        if records is not None:
            self.index_records.set(records)

    def render(self) -> bytes:
        folder = os.environ.get(MULTIPROC_ENV)
        if not folder:
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=folder)  # type: ignore[no-untyped-call]
        return generate_latest(merged)
