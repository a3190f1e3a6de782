"""Prometheus metrics, one registry per app (so tests can build many apps)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

BUCKETS = (0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


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
        self.in_flight = Gauge("medcode_requests_in_flight", "requests being served", registry=r)
        self.index_loaded = Gauge("medcode_index_loaded", "1 when an index is loaded", registry=r)
        self.index_records = Gauge("medcode_index_records", "records in the index", registry=r)
        self.reloads = Counter("medcode_index_reloads", "index reloads", ["outcome"], registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)
