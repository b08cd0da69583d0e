"""Helpers for member page tests: tests/factories.py given the test's settings (circles named "<Slug> circle"), and
pages read as a browser."""

from __future__ import annotations

import re

from circlefed.storage.models import Actor, Circle, Thread, Visibility
from tests.factories import local_circle, local_person, published_thread, site_of
from tests.integration.web.conftest import HTML, post_form

_PATH_RE = re.compile(r"^https?://[^/]+")


async def person(settings, name: str) -> Actor:
    return await local_person(site_of(settings), name)


async def circle(settings, slug: str, *, visibility=Visibility.PUBLIC, facilitator: Actor, rules: str = "") -> Circle:
    made = await local_circle(
        site_of(settings),
        slug,
        facilitator,
        visibility=visibility,
        name=f"{slug.title()} circle",
        description=f"About {slug}.",
    )
    if rules:
        made.rules_source, made.rules_html = rules, f"<p>{rules}</p>"
        await made.save()
    return made


async def thread(settings, clock, circle_: Circle, author: Actor, title: str, body: str = "Some words.") -> Thread:
    return await published_thread(site_of(settings), circle_, author, now=clock.now(), title=title, source=body)


def path_of(uri: str) -> str:
    return _PATH_RE.sub("", uri)


async def page(client, path: str, status: int = 200) -> str:
    response = await client.get(path, headers=HTML)
    text = await response.text()
    assert response.status == status, (path, response.status, text[:2000])
    return text


async def submit(client, path: str, data: dict, *, page_with_form: str):
    return await post_form(client, path, data, page=page_with_form)
