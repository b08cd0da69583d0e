"""Root: logging setup with a per-request id in every line."""

from __future__ import annotations

import contextvars
import logging

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


# Libraries' loggers and the lowest level let through, whatever logging.level says: aiohttp's access log repeats
# what the metrics middleware already counts (and names every path, /reset/<token> among them); the database
# drivers' DEBUG lines carry every query's values (password and token hashes, e-mail addresses, post bodies).
QUIETED = {"aiohttp.access": logging.WARNING, "tortoise": logging.INFO, "aiosqlite": logging.INFO}


def configure_logging(level: str = "INFO") -> None:
    """Send logs to stderr as `time level logger [request-id] message`; idempotent."""
    root = logging.getLogger()
    root.setLevel(level.upper())
    for name, lowest in QUIETED.items():
        logging.getLogger(name).setLevel(lowest)
    for handler in root.handlers:
        if getattr(handler, "_circlefed", False):
            return
    handler = logging.StreamHandler()
    handler._circlefed = True  # type: ignore[attr-defined]
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root.addHandler(handler)
