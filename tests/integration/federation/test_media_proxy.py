"""The media proxy (setting media.proxy): a remote post's images shown inline through this server, to exactly
the readers the read rule lets read the post now (a visibility change or a ban ends it at once), and never
anything but a small real image; the image's server learns nothing of the reader. Posts arrive by real signed
HTTP from a fake remote server that also serves the images."""

from __future__ import annotations

import base64

import pytest

from circlefed.domain import circle_settings, memberships, moderation, threads
from circlefed.storage.models import Actor, Post, Thread, Visibility
from circlefed.web.keys import CLOCK, SITE

from .circles import HTML, act, browser_of, circle, member, settle, start_quiet
from .fixtures import deliver, ids_of, payload, without_request_id

pytestmark = pytest.mark.storage

# A 1x1 PNG and the start of a JPEG: what the proxy recognises by their bytes.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(200)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
MEDIA_FILES = "/system/media_attachments/files/113/370/000/000/201"
READER_AGENT = "ReaderBrowser/1.0 (the reader's own)"


class Hosted:
    """Instance A hosting the public circle `grief` (fran facilitates, robin is a member, sam is not), and mo
    on a remote server who joined it."""

    def __init__(self, instance, remote, people: dict[str, Actor], grief) -> None:
        self.instance, self.remote, self.people, self.circle = instance, remote, people, grief
        self.group_uri = f"{instance.base_url}/c/grief"
        self.mo = remote.add_actor("mo")

    def ids(self) -> dict[str, str]:
        return ids_of(self.remote, self.mo, self.group_uri, self.instance.domain)

    def now(self):
        return self.instance.app[CLOCK].now()


async def hosted_with(start_instance, remote, http, **media) -> Hosted:
    a = await start_quiet(start_instance, media=media) if media else await start_quiet(start_instance)
    people = {name: await member(a, name) for name in ("fran", "robin", "sam")}
    grief = await circle(a, "grief", people["fran"])
    await act(a, memberships.request_join(grief, people["robin"], now=a.app[CLOCK].now()))
    hosted = Hosted(a, remote, people, grief)
    await deliver(http, hosted.mo, f"{hosted.group_uri}/inbox", payload("mastodon_follow_1", **hosted.ids()))
    await settle(a)
    return hosted


@pytest.fixture
async def proxied(start_instance, remote, http) -> Hosted:
    return await hosted_with(start_instance, remote, http, proxy=True, max_bytes=4096)


async def mastodon_post_with_two_images(hosted: Hosted, http) -> Thread:
    """Mastodon's post with two image attachments (a JPEG and a PNG, served by its server)."""
    create = payload("mastodon_create_3", **hosted.ids())
    jpeg, png = (item["url"] for item in create["object"]["attachment"])
    hosted.remote.extra_documents[jpeg.removeprefix(hosted.remote.base_url)] = (200, "image/jpeg", JPEG)
    hosted.remote.extra_documents[png.removeprefix(hosted.remote.base_url)] = (200, "image/png", PNG)
    await deliver(http, hosted.mo, f"{hosted.instance.base_url}/inbox", create)
    await settle(hosted.instance)
    with hosted.instance.db():
        return await Thread.get(uri=create["object"]["id"])


def image_fetches(hosted: Hosted) -> list[dict[str, str]]:
    """The headers of every request the remote server had for an image."""
    return [headers for method, path, headers in hosted.remote.requests if path.startswith(MEDIA_FILES)]


async def get(browser, url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    async with browser.get(url, headers={**HTML, **headers}, allow_redirects=False) as response:
        return response.status, dict(response.headers), await response.read()


async def test_images_show_inline_through_the_server_for_readers_of_the_post_only(proxied, http):
    a = proxied.instance
    thread = await mastodon_post_with_two_images(proxied, http)
    robin = await browser_of(a, "robin")
    try:
        status, _, page = await get(http, f"{a.base_url}/threads/{thread.id}")
        assert status == 200
        text = page.decode()
        assert f'<img src="/threads/{thread.id}/media/0" alt="A gravel path along a river at sunrise.' in text
        assert f'<img src="/threads/{thread.id}/media/1" alt="A hand-drawn map of the river loop' in text
        assert image_fetches(proxied) == [], "showing the page fetches nothing: only a reader's browser asks"

        status, headers, body = await get(
            robin,
            f"{a.base_url}/threads/{thread.id}/media/0",
            **{"User-Agent": READER_AGENT, "Referer": f"{a.base_url}/threads/{thread.id}"},
        )
        assert (status, headers["Content-Type"], body) == (200, "image/jpeg", JPEG)
        assert "sandbox" in headers["Content-Security-Policy"] and headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cache-Control"] == "private, max-age=86400"  # a public post
        [fetch] = image_fetches(proxied)
        assert "circlefed" in fetch["User-Agent"] and READER_AGENT not in fetch["User-Agent"]
        assert not {"Cookie", "Referer", "X-Forwarded-For", "Forwarded"} & set(fetch), "nothing of the reader"

        status, _, body = await get(http, f"{a.base_url}/threads/{thread.id}/media/1")
        assert (status, body) == (200, PNG)
        await get(http, f"{a.base_url}/threads/{thread.id}/media/0")
        assert len(image_fetches(proxied)) == 2, "an image asked for again comes from memory"

        # The circle closes to members: an outsider's request answers exactly as an image that never was.
        await act(
            a,
            circle_settings.change_visibility(
                proxied.circle, "members", proxied.people["fran"], facilitator_choices=("members",), now=proxied.now()
            ),
        )
        hidden = await get(http, f"{a.base_url}/threads/{thread.id}/media/0")
        missing = await get(http, f"{a.base_url}/threads/{thread.id + 1000}/media/0")
        assert hidden[0] == missing[0] == 404
        assert without_request_id(hidden[2].decode()) == without_request_id(missing[2].decode())
        status, headers, body = await get(robin, f"{a.base_url}/threads/{thread.id}/media/0")
        assert (status, body, headers["Cache-Control"]) == (200, JPEG, "private, no-store")

        # A ban ends it at once for the banned member.
        await act(
            a,
            moderation.ban_member(
                a.app[SITE], proxied.circle, proxied.people["robin"], proxied.people["fran"], now=proxied.now()
            ),
        )
        status, _, body = await get(robin, f"{a.base_url}/threads/{thread.id}/media/0")
        _, _, missing_to_robin = await get(robin, f"{a.base_url}/threads/{thread.id + 1000}/media/0")
        assert status == 404 and without_request_id(body.decode()) == without_request_id(missing_to_robin.decode())
    finally:
        await robin.close()


async def test_only_small_real_images_from_allowed_addresses_are_passed_on(proxied, http):
    a, remote = proxied.instance, proxied.remote
    thread = await mastodon_post_with_two_images(proxied, http)
    remote.extra_documents["/big.png"] = (200, "image/png", PNG + bytes(5000))
    remote.extra_documents["/script.svg"] = (200, "image/svg+xml", SVG)
    remote.extra_documents["/page.png"] = (200, "image/png", b"<html><script>alert(1)</script></html>")
    remote.redirects["/moved.png"] = "http://169.254.169.254/latest/meta-data/"
    images = ["/big.png", "/script.svg", "/page.png", "/moved.png", "/gone.png"]
    reply = remote.activity(
        proxied.mo,
        "Create",
        cc=[proxied.group_uri],
        object={
            "id": f"{proxied.mo.uri}/notes/with-images",
            "type": "Note",
            "attributedTo": proxied.mo.uri,
            "inReplyTo": thread.uri,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [proxied.group_uri],
            "content": "<p>Five pictures of the walk.</p>",
            "attachment": [
                {"type": "Image", "mediaType": "image/png", "url": f"{remote.base_url}{path}", "name": f"picture {n}"}
                for n, path in enumerate(images)
            ],
        },
    )
    await deliver(http, proxied.mo, f"{a.base_url}/inbox", reply)
    await settle(a)
    with a.db():
        post = await Post.get(uri=reply["object"]["id"])
    statuses = []
    for n in range(len(images)):
        status, _, body = await get(http, f"{a.base_url}/posts/{post.id}/media/{n}")
        assert b"<svg" not in body and b"<script>alert(1)" not in body
        statuses.append(status)
    assert statuses == [502, 502, 502, 502, 502]
    assert not any("169.254" in path for _, path, _ in remote.requests)
    status, _, body = await get(http, f"{a.base_url}/posts/{post.id}/media/5")
    assert status == 404, "an image the post does not have"
    status, _, page = await get(http, f"{a.base_url}/threads/{thread.id}")
    assert f'href="{remote.base_url}/big.png"' in page.decode(), "the link to the original stays"


async def test_without_the_setting_images_are_links_and_the_proxy_answers_nothing(start_instance, remote, http):
    hosted = await hosted_with(start_instance, remote, http)
    a = hosted.instance
    thread = await mastodon_post_with_two_images(hosted, http)
    status, headers, page = await get(http, f"{a.base_url}/threads/{thread.id}")
    assert status == 200 and b"<img" not in page
    assert b'class="image"' in page and b"Image: A gravel path along a river at sunrise." in page
    assert "https:" not in headers["Content-Security-Policy"].split("img-src")[1].split(";")[0]
    status, _, _ = await get(http, f"{a.base_url}/threads/{thread.id}/media/0")
    assert status == 404 and image_fetches(hosted) == []


async def test_a_proxied_image_of_a_removed_post_is_gone(proxied, http):
    a = proxied.instance
    thread = await mastodon_post_with_two_images(proxied, http)
    with a.db():
        assert await Thread.exists(id=thread.id, circle__visibility=Visibility.PUBLIC)
    await act(a, threads.delete_thread(thread, proxied.people["fran"], now=proxied.now(), moderating=True))
    status, _, _ = await get(http, f"{a.base_url}/threads/{thread.id}/media/0")
    assert status == 404 and image_fetches(proxied) == []
