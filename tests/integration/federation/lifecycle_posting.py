"""What people do with posts in the stateful leak test (issue 14), the way a person does it: reach the circle from
/circles, the thread from its title on the circle's page, then use the form or link under the post (found by the
post's own words, never by a database id): write, reply, edit, delete; facilitators lock, pin and remove;
members report. Each returns what happened as the product answered (False: no such form, or a refusal)."""

from __future__ import annotations

import re

from circlefed.storage.models import Circle, Post, Thread

from .lifecycle_forms import find_form, find_link
from .lifecycle_world import World

_POST_ID = re.compile(r"#post-(\d+)$")
NEXT_POST = r"zqm\d+x"  # the words of the next post on the page: a post's own buttons come before them


def _ok(answer) -> bool:
    return answer is not None and answer.status in (302, 303)


async def circle_page(world: World, person: str, group_uri: str) -> str | None:
    """The circle's page as `person` reaches it: its address where it is hosted, else its link on /circles."""
    home = world.home_of[person]
    base = world.base(home)
    if group_uri.startswith(base + "/"):
        return group_uri.removeprefix(base)
    with world.instances[home].db():
        row = await Circle.get_or_none(actor__uri=group_uri)
    if row is None:
        return None
    listed = await world.page(person, home, "/circles")
    return find_link(listed.text, text=row.name) or f"/circles/remote/{row.id}"


async def thread_page(world: World, person: str, group_uri: str, thread_uri: str, title: str) -> str | None:
    """The thread's page: its own address where it was written here, else its link (by title) on the circle page."""
    home = world.home_of[person]
    base = world.base(home)
    if thread_uri.startswith(base + "/"):
        return thread_uri.removeprefix(base)
    page = await circle_page(world, person, group_uri)
    shown = await world.page(person, home, page) if page else None
    link = find_link(shown.text, text=title) if shown is not None else None
    if link:
        return link
    with world.instances[home].db():
        row = await Thread.get_or_none(uri=thread_uri)
    return f"/threads/{row.id}" if row is not None else None


async def start_thread(world: World, person: str, group_uri: str, title: str, body: str) -> str | None:
    """A new thread from the circle page's "Start a thread" link; its URI (None when refused)."""
    home = world.home_of[person]
    page = await circle_page(world, person, group_uri)
    shown = await world.page(person, home, page) if page else None
    compose = find_link(shown.text, ending="/new") if shown is not None else None
    if compose is None:
        return None
    answer = await world.submit(person, compose, "/new", {"title": title, "body": body}, button="post")
    if not _ok(answer):
        return None
    with world.instances[home].db():
        row = await Thread.get_or_none(title=title)
    return row.uri if row is not None else None


async def reply(world: World, person: str, group_uri: str, thread: tuple[str, str], body: str) -> str | None:
    """A reply from the thread page's reply form (`thread`: its URI and current title); the reply's URI."""
    home = world.home_of[person]
    page = await thread_page(world, person, group_uri, *thread)
    if page is None:
        return None
    answer = await world.submit(person, page, "/reply", {"body": body}, button="post")
    found = _POST_ID.search(answer.location) if _ok(answer) else None
    if found is None:
        return None
    with world.instances[home].db():
        return (await Post.get(id=int(found.group(1)))).uri


async def edit(
    world: World, person: str, group_uri: str, thread: tuple[str, str], words: str, texts: dict[str, str]
) -> bool:
    """The "Edit" link under the post whose text shows `words`, and its form sent with `texts`."""
    home = world.home_of[person]
    page = await thread_page(world, person, group_uri, *thread)
    shown = await world.page(person, home, page) if page else None
    link = find_link(shown.text, ending="/edit", after=words, until=NEXT_POST) if shown is not None else None
    if link is None:
        return False
    return _ok(await world.submit(person, link, link, texts, button="post"))


async def under_post(
    world: World, person: str, group_uri: str, thread: tuple[str, str], words: str, action: str, choices=None
) -> bool:
    """The form posting to `action` under the post whose text shows `words`: delete, report, lock, pin, remove."""
    page = await thread_page(world, person, group_uri, *thread)
    if page is None:
        return False
    shown = await world.page(person, world.home_of[person], page)
    form = find_form(shown.text, action, after=words, until=NEXT_POST)
    if form is None:
        return False
    if action == "/report":  # its text field is named after the post
        choices = {next((f.name for f in form.fields if f.kind == "textarea"), "reason"): "this worries me"}
    answer = await world.submit(person, page, action, choices, after=words, until=NEXT_POST)
    return _ok(await world.confirm(person, answer, action))  # deleting a thread others replied in asks again
