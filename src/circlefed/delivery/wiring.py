"""Delivery: building a runner from settings: the outbound client, signed HTTP, sender and metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from circlefed import __version__
from circlefed.clock import Clock
from circlefed.delivery.metrics import DeliveryMetrics
from circlefed.delivery.runner import Runner
from circlefed.delivery.sender import Sender
from circlefed.delivery.signed_http import SignedHttp
from circlefed.http_client import SafeHttpClient, trust_store_context
from circlefed.settings import Settings


def build_http_client(settings: Settings) -> SafeHttpClient:
    """The SSRF-guarded client the worker sends with (start() it before use, close() it after)."""
    return SafeHttpClient(
        user_agent=f"circlefed/{__version__} (+{settings.instance.base_url})",
        allow_http=settings.federation.allow_http,
        private_address_allowlist=settings.federation.private_address_allowlist,
        total_timeout=max(settings.delivery.request_timeout, settings.federation.fetch_timeout),
        max_response_bytes=settings.federation.max_fetch_bytes,
        max_connections=max(100, settings.delivery.concurrency * 2),
        ssl_context=trust_store_context(),
    )


def build_runner(
    settings: Settings,
    *,
    client: SafeHttpClient,
    clock: Clock,
    registry: CollectorRegistry | None = None,
    worker_id: str | None = None,
) -> Runner:
    """A runner for these settings; metrics go to registry when one is given."""
    # Inside the web process (web.run_worker) RSA signing moves to a thread so that pages keep their event
    # loop; a `circlefed worker` signs on its own loop, leaving the other core to the web process.
    http = SignedHttp(client, clock, sign_in_thread=settings.web.run_worker)
    sender = Sender(http, clock, timeout=settings.delivery.request_timeout)
    metrics = DeliveryMetrics(registry) if registry is not None else None
    return Runner(settings.delivery, sender=sender, clock=clock, metrics=metrics, worker_id=worker_id)
