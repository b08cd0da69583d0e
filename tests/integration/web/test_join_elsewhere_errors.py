"""Joining a circle on another instance by its handle: what goes wrong is said in plain words, never internals."""

from __future__ import annotations

import logging

import pytest

from tests.integration.web.conftest import sign_in
from tests.integration.web.page_forms import submit

INTERNALS = ("Error", "resolves", "reserved", "address", "Traceback", "ClientConnector", "errno")


@pytest.mark.parametrize(
    "handle",
    [
        "@grief@no-such-host.invalid",  # the name does not resolve
        "@grief@10.1.2.3",  # a private address: the SSRF guard refuses it
        "@grief@127.0.0.1:9",  # a closed port on this machine
    ],
)
async def test_a_remote_join_that_fails_is_explained_in_plain_words(client, member, handle, caplog):
    caplog.set_level(logging.INFO)
    await sign_in(client)
    response = await submit(client, "/circles", "Ask to join", fill={"handle": handle})
    page = await response.text()
    assert response.status in (400, 403, 404, 502)
    message = page.split('id="handle-error"', 1)[1].split("</", 1)[0]
    assert not [word for word in INTERNALS if word in message], message
    assert "request" in message.lower() and response.headers["X-Request-Id"] in message, "a reference for the admin"
    causes = [r.getMessage() for r in caplog.records if "refused joining a circle by handle" in r.getMessage()]
    assert len(causes) == 1, "the technical cause goes to the log"
