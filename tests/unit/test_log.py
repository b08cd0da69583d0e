"""Logging setup: at DEBUG too, the libraries' lines that carry stored values or every path stay off."""

from __future__ import annotations

import logging

from circlefed.log import QUIETED, configure_logging


def test_debug_logging_keeps_the_query_and_access_logs_off():
    root = logging.getLogger()
    before = (root.level, list(root.handlers), {name: logging.getLogger(name).level for name in QUIETED})
    try:
        configure_logging("DEBUG")
        assert logging.getLogger("circlefed.domain.accounts").isEnabledFor(logging.DEBUG)  # positive control
        assert not logging.getLogger("tortoise.db_client").isEnabledFor(logging.DEBUG)  # query values
        assert not logging.getLogger("aiosqlite").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("aiohttp.access").isEnabledFor(logging.INFO)  # paths: /reset/<token>
        assert logging.getLogger("tortoise").isEnabledFor(logging.INFO)  # its warnings and notices still show
    finally:
        root.setLevel(before[0])
        root.handlers[:] = before[1]
        for name, level in before[2].items():
            logging.getLogger(name).setLevel(level)
