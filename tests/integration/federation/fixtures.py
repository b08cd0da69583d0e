"""Loading the real payload shapes of tests/fixtures/activities/ with the ids of the servers under test, and the
hosted circle they are sent to."""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, datetime
from pathlib import Path

from circlefed.domain import threads
from circlefed.web.keys import SITE
from tests.fakes.remote import post_signed

from .circles import act, circle, member, settle, start_quiet

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "activities"
_numbers = itertools.count(1000)


def payload(name: str, **ids: str) -> dict:
    """The fixture `name`.json with every `{placeholder}` replaced (and `{n}` by a fresh number)."""
    text = (FIXTURES / f"{name}.json").read_text()
    for key, value in {"n": str(next(_numbers)), **ids}.items():
        text = text.replace("{" + key + "}", value)
    document = json.loads(text)
    leftover = [part for part in text.split('"') if part.startswith("{") and part.endswith("}") and " " not in part]
    assert not leftover, f"unreplaced placeholders in {name}: {leftover}"
    return document


def ids_of(remote, actor, circle_uri: str, circle_host: str, **more: str) -> dict[str, str]:
    return {"actor": actor.uri, "origin": remote.base_url, "circle": circle_uri, "circle_host": circle_host, **more}


async def deliver(http, actor, url: str, activity: dict) -> None:
    status, text = await post_signed(http, actor, url, activity)
    assert status == 202, text


async def join_by_fixture(hosted, http, remote, actor, fixture: str) -> dict:
    """`actor` of `remote` follows the hosted circle with the Follow of `fixture`; returns that Follow."""
    follow = payload(fixture, **hosted.ids(remote, actor))
    await deliver(http, actor, f"{hosted.group_uri}/inbox", follow)
    await settle(hosted.instance)
    return follow


def announces(remote) -> list[dict]:
    """The Announces a fake remote received, in order."""
    return [activity for activity in remote.received if activity["type"] == "Announce"]


def without_request_id(page: str) -> str:
    """The page without what differs from one request to the next: its request id and CSRF token."""
    return re.sub(r'name="csrf_token" value="[^"]+"', "", re.sub(r"[0-9a-f]{8,}", "-", page))


async def host_grief(start_instance, **sections):
    """Instance A (with these settings) hosting the public circle `grief`, facilitated by fran, with one thread
    by her."""
    a = await start_quiet(start_instance, **sections)
    fran = await member(a, "fran")
    grief = await circle(a, "grief", fran)
    started = await act(
        a, threads.start_thread(a.app[SITE], grief, fran, title="Welcome", source="Say hello.", now=datetime.now(UTC))
    )

    class Hosted:
        instance, facilitator, circle, thread = a, fran, grief, started.thread
        group_uri = f"{a.base_url}/c/grief"
        inbox = f"{a.base_url}/inbox"

        def ids(self, remote, actor, **more):
            return ids_of(
                remote, actor, self.group_uri, a.domain, thread=self.thread.uri, thread_author=fran.uri, **more
            )

    return Hosted()
