"""ActivityPub client to server across real instances: a member of A posts through their outbox (an app's Bearer
token) in a circle of A, and the post, its edit and its deletion reach the circle's member on B over real signed
HTTP, exactly as a post written on the web page does."""

import aiohttp
import pytest

from circlefed.storage.models import Delivery, QueueState, Thread
from tests.factories import PASSWORD, approved_member
from tests.integration.web.oauth_flow import bearer, register, token_for
from tests.integration.web.page_forms import submit

from .circles import circle, join, member, settle, start_quiet

pytestmark = pytest.mark.storage
LD_JSON = {"Content-Type": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'}


async def robin_token(instance) -> dict[str, str]:
    """robin signs in on the instance's pages and allows an app, as a browser would."""
    jar = aiohttp.CookieJar(unsafe=True)  # unsafe: an IP-address host
    async with aiohttp.ClientSession(base_url=instance.base_url, cookie_jar=jar) as browser:
        app = await register(browser)
        signed_in = await submit(browser, "/login", "Log in", fill={"username": "robin", "password": PASSWORD})
        assert signed_in.status == 303
        return bearer(await token_for(browser, app, scope="write:statuses"))


async def to_outbox(instance, token: dict[str, str], activity: dict) -> tuple[dict, str | None]:
    async with aiohttp.ClientSession() as app, app.post(
        f"{instance.base_url}/u/robin/outbox", json=activity, headers={**token, **LD_JSON}
    ) as response:
        assert response.status == 201, await response.text()
        return await response.json(), response.headers.get("Location")


async def copy_on(instance, uri: str) -> Thread | None:
    with instance.db():
        return await Thread.get_or_none(uri=uri)


async def test_a_post_made_through_the_outbox_reaches_another_instance_with_its_edit_and_deletion(start_instance):
    a, b = await start_quiet(start_instance), await start_quiet(start_instance)
    fran, robin, bea = await member(a, "fran"), await member(a, "robin"), await member(b, "bea")
    grief = await circle(a, "grief", fran)
    with a.db():
        await approved_member(grief, robin)
    await join(b, bea, f"@grief@{a.domain}")
    await settle(a, b)
    token = await robin_token(a)

    note = {"type": "Note", "to": [f"{a.base_url}/c/grief"], "name": "Rough night",
            "content": "<p>Could not sleep.</p>"}
    created, location = await to_outbox(a, token, note)
    uri = created["object"]["id"]
    assert location == created["id"] and uri.startswith(f"{a.base_url}/t/")
    await settle(a, b)
    copy = await copy_on(b, uri)
    assert copy is not None and copy.title == "Rough night" and "Could not sleep." in copy.content_html
    with a.db():
        sent = await Delivery.filter(
            activity__object_uri=uri, inbox_uri__startswith=b.base_url, state=QueueState.DELIVERED
        ).count()
    assert sent >= 1, "delivered to B over signed HTTP"

    await to_outbox(a, token, {"type": "Update", "object": {"id": uri, "content": "<p>Slept a little.</p>"}})
    await settle(a, b)
    copy = await copy_on(b, uri)
    assert copy is not None and "Slept a little." in copy.content_html and copy.title == "Rough night"

    await to_outbox(a, token, {"type": "Delete", "object": uri})
    await settle(a, b)
    copy = await copy_on(b, uri)
    assert copy is None or copy.deleted_at is not None
