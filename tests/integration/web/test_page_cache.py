"""Pages kept for anonymous readers (web/page_cache.py): served again only while nothing on them changed, whoever
changed it and however; never to anyone signed in, never for a circle that is not public."""

from __future__ import annotations

import dataclasses
import re

import aiohttp
import pytest
from tortoise.models import Model

from circlefed.app import create_app
from circlefed.settings import ConfigError
from circlefed.storage import models
from circlefed.storage.models import Post, Thread
from circlefed.storage.page_revision import UNSHOWN_TABLES
from circlefed.web.keys import METRICS
from tests.conftest import settings_for
from tests.integration.web.conftest import HTML, sign_in
from tests.integration.web.member_world import circle, path_of, person, submit

pytestmark = pytest.mark.storage
_COUNT_RE = r'circlefed_page_cache_total\{{outcome="{}"\}} ([0-9.]+)'



async def anonymous(client, path: str) -> tuple[int, str]:
    """A reader with no cookie at all (the test client's own session keeps the signed-in member's)."""
    async with aiohttp.ClientSession() as session, session.get(client.make_url(path), headers=HTML) as response:
        return response.status, await response.text()


def counted(client, outcome: str) -> int:
    found = re.search(_COUNT_RE.format(outcome), client.app[METRICS].render().decode())
    return int(float(found.group(1))) if found else 0


def without_request_id(text: str) -> str:
    return re.sub(r"[0-9a-f]{16}", "", text)


async def start(client, title: str, body: str) -> Thread:
    data = {"title": title, "body": body, "content_warning": "", "action": "post"}
    assert (await submit(client, "/c/grief/new", data, page_with_form="/c/grief/new")).status == 303
    return await Thread.get(title=title)


async def test_a_second_anonymous_read_is_the_kept_page_and_the_same_bytes(client, grief):
    await sign_in(client)
    thread = await start(client, "Evenings", "Hard ones.")
    first = await anonymous(client, path_of(thread.uri))
    second = await anonymous(client, path_of(thread.uri))
    circle_pages = [await anonymous(client, "/c/grief") for _ in range(3)]
    assert first[0] == 200 and "Hard ones." in first[1] and second == first
    assert circle_pages[0][0] == 200 and "Evenings" in circle_pages[0][1] and len(set(circle_pages)) == 1
    assert (counted(client, "miss"), counted(client, "hit")) == (2, 3)


async def test_an_edit_and_a_deletion_through_the_forms_are_read_at_once(client, grief):
    await sign_in(client)
    thread = await start(client, "Evenings", "Hard ones.")
    path = path_of(thread.uri)
    reply = {"body": "I hear you.", "action": "post"}
    await submit(client, f"/threads/{thread.id}/reply", reply, page_with_form=path)
    assert "I hear you." in (await anonymous(client, path))[1]
    post = await Post.get(thread_id=thread.id)
    edit = {"body": "I hear you, truly.", "action": "post"}
    assert (await submit(client, f"/posts/{post.id}/edit", edit, page_with_form=f"/posts/{post.id}/edit")).status == 303
    assert "I hear you, truly." in (await anonymous(client, path))[1]
    assert (await submit(client, f"/posts/{post.id}/delete", {}, page_with_form=path)).status == 303
    text = (await anonymous(client, path))[1]
    assert "I hear you" not in text and "This reply was removed." in text
    assert counted(client, "hit") == 0  # every read followed a change


async def test_a_circle_made_members_only_is_closed_to_anonymous_readers_at_once(client, grief):
    await sign_in(client)
    thread = await start(client, "Evenings", "Hard ones.")
    await anonymous(client, path_of(thread.uri))
    assert (await anonymous(client, path_of(thread.uri)))[0] == 200
    assert counted(client, "hit") == 1
    await sign_in(client, "fran")
    settings = {"name": "Grief circle", "visibility": "members", "retention_days": ""}
    changed = await submit(client, "/c/grief/facilitate/settings", settings, page_with_form="/c/grief/facilitate")
    assert changed.status == 303
    status, text = await anonymous(client, path_of(thread.uri))
    missing_status, missing = await anonymous(client, "/t/no-such-thread")
    assert status == missing_status == 404 and without_request_id(text) == without_request_id(missing)
    assert "Hard ones." not in (await anonymous(client, "/c/grief"))[1]


async def test_a_change_made_outside_the_web_process_ends_the_kept_page(client, grief):
    await sign_in(client)
    thread = await start(client, "Evenings", "Hard ones.")
    await anonymous(client, path_of(thread.uri))
    # Another process (the worker, the CLI, a second web process) writes straight to the database.
    changed = "UPDATE threads SET content_html = '<p>Changed.</p>' WHERE id = " + str(thread.id)  # noqa: S608
    await Thread._meta.db.execute_query(changed)
    text = (await anonymous(client, path_of(thread.uri)))[1]
    assert "Changed." in text and "Hard ones." not in text


async def test_signed_in_readers_are_never_answered_from_the_kept_page(client, grief):
    await sign_in(client)
    thread = await start(client, "Evenings", "Hard ones.")
    anonymous_text = (await anonymous(client, path_of(thread.uri)))[1]
    assert "Log in and join this circle to reply." in anonymous_text
    for _ in range(2):
        response = await client.get(path_of(thread.uri), headers=HTML)
        text = await response.text()
        assert "Log in and join" not in text and 'name="body"' in text and "robin" in text
    assert counted(client, "hit") == 0


async def test_members_circles_are_never_kept(client, grief, settings, clock):
    fran = await person(settings, "sam")
    await circle(settings, "quiet", facilitator=fran, visibility=grief.visibility.MEMBERS)
    for _ in range(3):
        assert (await anonymous(client, "/c/quiet"))[0] == 200
    assert (counted(client, "miss"), counted(client, "hit")) == (0, 0)


async def test_an_address_with_parameters_the_page_does_not_read_is_made_each_time(client, grief):
    for _ in range(3):
        assert (await anonymous(client, "/c/grief?utm=1"))[0] == 200
    await anonymous(client, "/c/grief")
    assert (counted(client, "miss"), counted(client, "hit")) == (1, 0)


async def test_no_page_is_kept_when_the_setting_is_zero(aiohttp_client, settings, clock, db, member):
    off = dataclasses.replace(settings, web=dataclasses.replace(settings.web, run_worker=False, page_cache_entries=0))
    client = await aiohttp_client(create_app(off, clock=clock))
    fran = await person(settings, "fran")
    await circle(settings, "grief", facilitator=fran)
    for _ in range(3):
        assert (await anonymous(client, "/c/grief"))[0] == 200
    assert (counted(client, "miss"), counted(client, "hit")) == (0, 0)
    with pytest.raises(ConfigError, match="page_cache_entries"):
        settings_for("sqlite://:memory:", web={"page_cache_entries": -1})


async def test_every_table_a_page_may_show_raises_the_page_revision(db):
    """A table without the trigger would let a kept page outlive a change to it: each table of the schema has
    the trigger or is named as one no page shows."""
    connection = Thread._meta.db
    if connection.capabilities.dialect == "postgres":
        sql = (
            "SELECT DISTINCT c.relname AS t FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
            "WHERE g.tgname LIKE 'page_revision_%'"
        )
    else:
        sql = "SELECT DISTINCT tbl_name AS t FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'page_revision_%'"
    triggered = {row["t"] for row in await connection.execute_query_dict(sql)}
    tables = {
        kind._meta.db_table
        for kind in vars(models).values()
        if isinstance(kind, type) and issubclass(kind, Model) and kind is not Model and not kind._meta.abstract
    }
    assert "posts" in tables and "posts" in triggered
    assert tables - triggered == set(UNSHOWN_TABLES)
    assert not triggered & UNSHOWN_TABLES


async def test_an_update_reports_the_rows_it_changed_not_the_triggers_as_well(grief):
    """Code that claims a row (an invitation, a queue item) checks that exactly one changed: the revision's own
    update must not be counted with it."""
    assert await Post.filter(id=-1).update(content_html="") == 0
    assert await type(grief).filter(id=grief.id).update(description="New words.") == 1
