"""Helpers for member page tests: circles, members and posts made through the domain, pages read as a browser."""

from __future__ import annotations

import re

from circlefed.domain.accounts import create_account
from circlefed.domain.circles import create_circle
from circlefed.domain.threads import start_thread
from circlefed.federation.actions import perform
from circlefed.storage.models import Actor, Circle, Membership, MembershipState, Thread, Visibility
from tests.factories import PASSWORD
from tests.integration.web.conftest import HTML, post_form, site_of

_PATH_RE = re.compile(r"^https?://[^/]+")


async def person(settings, name: str) -> Actor:
    account = await create_account(site_of(settings), name, PASSWORD)
    return await account.actor


async def circle(settings, slug: str, *, visibility=Visibility.PUBLIC, facilitator: Actor, rules: str = "") -> Circle:
    made = await create_circle(
        site_of(settings),
        slug,
        f"{slug.title()} circle",
        visibility=visibility,
        description=f"About {slug}.",
        facilitator=facilitator,
    )
    if rules:
        made.rules_source, made.rules_html = rules, f"<p>{rules}</p>"
        await made.save()
    return made


async def add_member(circle_: Circle, actor: Actor) -> None:
    await Membership.create(circle=circle_, actor=actor, state=MembershipState.APPROVED, rules_version_acknowledged=1)


async def thread(settings, clock, circle_: Circle, author: Actor, title: str, body: str = "Some words.") -> Thread:
    change = start_thread(site_of(settings), circle_, author, title=title, source=body, now=clock.now())
    started = await perform(site_of(settings), change, now=clock.now())
    return started.thread


def path_of(uri: str) -> str:
    return _PATH_RE.sub("", uri)


async def page(client, path: str, status: int = 200) -> str:
    response = await client.get(path, headers=HTML)
    text = await response.text()
    assert response.status == status, (path, response.status, text[:2000])
    return text


async def submit(client, path: str, data: dict, *, page_with_form: str):
    return await post_form(client, path, data, page=page_with_form)
