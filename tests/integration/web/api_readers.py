"""Test helper for client API reading tests: tokens of members (through the real consent form) and of an app alone,
threads and replies written through services/posting.py at the fake clock's time, answers read raw."""

from __future__ import annotations

import re
from datetime import timedelta

from circlefed.services import posting
from circlefed.storage.models import Actor, Circle, Post, Thread
from tests.factories import site_of
from tests.integration.web.conftest import sign_in
from tests.integration.web.member_world import path_of
from tests.integration.web.oauth_flow import App, bearer, token_for

LINK = re.compile(r'<([^>]+)>; rel="(next|prev)"')


async def token_of(client, app: App, name: str, scope: str = "read write") -> dict[str, str]:
    """A member's Bearer header: signed in, Allow pressed on the consent page, the code exchanged."""
    client.session.cookie_jar.clear()
    await sign_in(client, name)
    token = await token_for(client, app, scope=scope)
    client.session.cookie_jar.clear()
    return bearer(token)


async def app_only(client, app: App) -> dict[str, str]:
    """A Bearer header for the app itself (client credentials): no member."""
    response = await client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app.client_id, "client_secret": app.client_secret})
    return bearer((await response.json())["access_token"])


async def answer_of(client, path: str, headers=None) -> tuple[int, bytes]:
    async with client.get(path, headers=headers or {}) as response:
        return response.status, await response.read()


async def statuses_at(client, path: str, headers=None) -> tuple[list[dict], dict[str, str]]:
    """The statuses a list endpoint answers and its Link header's pages (rel -> path)."""
    response = await client.get(path, headers=headers or {})
    assert response.status == 200, await response.text()
    links = {rel: path_of(url) for url, rel in LINK.findall(response.headers.get("Link", ""))}
    return await response.json(), links


class Writer:
    """Threads and replies through services/posting.py, each a second after the previous unless told not to."""

    def __init__(self, settings, clock) -> None:
        self.site, self.clock = site_of(settings), clock

    async def thread(self, circle: Circle, author: Actor, title: str, body: str = "Some words.", *,
                     tick: bool = True) -> Thread:
        if tick:
            self.clock.advance(timedelta(seconds=1))
        started = await posting.start_thread(
            self.site, circle, author, title=title, source=body, content_warning=None, now=self.clock.now())
        return started.thread

    async def reply(self, thread: Thread, author: Actor, body: str, *, tick: bool = True) -> Post:
        if tick:
            self.clock.advance(timedelta(seconds=1))
        posted = await posting.reply(self.site, thread, author, source=body, content_warning=None,
                                     now=self.clock.now())
        return posted.post
