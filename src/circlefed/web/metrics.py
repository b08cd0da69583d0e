"""Web: Prometheus metrics of one app (its own registry, so several instances can share a process); under
`serve --workers N` every web process's samples, added up (prometheus_client's multiprocess mode)."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class WebMetrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "circlefed_http_requests",
            "HTTP requests served, by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "circlefed_http_request_seconds",
            "Time to answer an HTTP request, by route.",
            ["method", "route"],
            registry=self.registry,
        )

        self.inbox = Counter(
            "circlefed_inbox_deliveries", "Inbox POSTs by signature scheme and outcome.",
            ["scheme", "outcome"], registry=self.registry,
        )
        self.page_cache = Counter(
            "circlefed_page_cache", "Anonymous readers' page requests by outcome: hit (a kept page) or miss (made"
            " and kept).", ["outcome"], registry=self.registry,
        )

        self._children: dict[tuple, object] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self._child(self.requests, method, route, str(status)).inc()
        self._child(self.latency, method, route).observe(seconds)

    def count_inbox(self, scheme: str, outcome: str) -> None:
        self._child(self.inbox, scheme, outcome).inc()

    def count_page_cache(self, outcome: str) -> None:
        self._child(self.page_cache, outcome).inc()

    def _child(self, metric, *values: str):
        """metric.labels(*values), kept: labels() takes a lock and converts every value on each call, and a
        request asks for three of them."""
        key = (metric, *values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*values)
        return child

    def render(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # set by `serve --workers N` for its web processes
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)
