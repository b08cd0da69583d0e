"""Test helper for the client API: a member's Bearer headers got through the real consent form, posting a status,
and a request's whole answer (to compare an unreadable status's answer with a missing one's, byte for byte)."""

from __future__ import annotations

from tests.integration.web.conftest import sign_in
from tests.integration.web.oauth_flow import bearer, token_for

STATUSES = "/api/v1/statuses"
MISSING = f"{STATUSES}/{(1_700_000_000_000 << 16) + 4321}"


async def token_of(client, app, name: str, scope: str = "read write") -> dict[str, str]:
    client.session.cookie_jar.clear()
    await sign_in(client, name)
    token = await token_for(client, app, scope=scope)
    client.session.cookie_jar.clear()
    return bearer(token)


async def post_status(client, headers, **data):
    response = await client.post(STATUSES, json=data, headers=headers)
    return response.status, await response.json()


async def answer_of(client, method: str, path: str, headers=None) -> tuple[int, bytes]:
    async with client.request(method, path, headers=headers or {}) as response:
        return response.status, await response.read()
