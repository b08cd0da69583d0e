"""What people do about circles in the stateful leak test (issue 14), through the pages that send each form (the
page is read, its fields and CSRF token posted as a browser would) or, where a real person uses no page (a peer's
Follow, the admin's command line), through the signed inbox and the CLI itself: join, decide on requests, leave,
ban, unban, visibility, names, real names and trust (posts: lifecycle_posting.py). Each returns what happened, as
the product answered: True (done), False (the page offered no such form or refused it). A circle invitation is
made on its facilitator's page and used by the person it is for."""

from __future__ import annotations

import html
import itertools
import re
from argparse import Namespace

from circlefed.cli.main import build_parser
from circlefed.storage.models import Actor, Membership
from tests.fakes.remote import post_signed

from .lifecycle_forms import find_form
from .lifecycle_world import ADMIN, RECORDER, World

_follows = itertools.count(1)


async def _id_on(world: World, home: str, model, **where) -> int | None:
    with world.instances[home].db():
        row = await model.get_or_none(**where)
    return row.id if row is not None else None


async def actor_id(world: World, home: str, uri: str) -> int | None:
    return await _id_on(world, home, Actor, uri=uri)


def _ok(answer) -> bool:
    return answer is not None and answer.status in (302, 303)


async def join_here(world: World, person: str, path: str) -> bool:
    return _ok(await world.submit(person, path, f"{path}/join"))


async def join_by_invitation(world: World, facilitator: str, person: str, slug: str) -> bool:
    """The facilitator makes a link on the circle's invitations page; the person opens it and joins."""
    page = f"/c/{slug}/facilitate/invites"
    made = await world.submit(facilitator, page, page)
    found = re.search(r'id="invite-link" value="[^"]*(/invite/[^"]+)"', made.text) if made is not None else None
    if found is None:
        return False
    path = html.unescape(found.group(1))
    return _ok(await world.submit(person, path, path))


async def join_by_handle(world: World, person: str, handle: str) -> bool:
    return _ok(await world.submit(person, "/circles", "/circles/join", {"handle": handle}))


async def recorder_follows(world: World, group_uri: str) -> bool:
    fake = world.recorder.actors[RECORDER]
    follow = {
        "@context": "https://www.w3.org/ns/activitystreams", "id": f"{fake.uri}/follows/{next(_follows)}",
        "type": "Follow", "actor": fake.uri, "object": group_uri,
    }
    status, _ = await post_signed(world.http, fake, f"{group_uri}/inbox", follow, now=world.clock.now())
    return status == 202


async def decide(world: World, facilitator: str, slug: str, person_uri: str, verdict: str, reason: str = "") -> bool:
    home = world.home_of[facilitator]
    target = await actor_id(world, home, person_uri)
    choices = {"reason": reason} if verdict == "reject" else {}
    page = f"/c/{slug}/facilitate/requests"
    return _ok(await world.submit(facilitator, page, f"{page}/{verdict}", choices, actor_id=str(target)))


async def leave(world: World, person: str, path: str) -> bool:
    """"Leave this circle", and "Leave" again on the page that asks (a circle one cannot simply rejoin)."""
    return _ok(await world.confirm(person, await world.submit(person, path, f"{path}/leave"), "/leave"))


async def ban(
    world: World, facilitator: str, slug: str, person_uri: str, *, reason: str, days: int | None, share: bool
) -> tuple[bool, bool]:
    """(banned, reason shared): the reason is shared only where the form offers that choice."""
    home = world.home_of[facilitator]
    target = str(await actor_id(world, home, person_uri))
    page = f"/c/{slug}/facilitate/members?ban={target}"
    shown = await world.page(facilitator, home, page)
    form = find_form(shown.text, "/ban", actor_id=target)
    if form is None:
        return False, False
    choices: dict = {"reason": reason, "expiry_days": str(days) if days else ""}
    share_field = next((name for name in form.names() if "share" in name), None)
    if share_field is not None:
        choices[share_field] = share
    answer = await world.submit(facilitator, page, "/ban", choices, actor_id=target)
    return _ok(answer), share and share_field is not None


async def unban(world: World, facilitator: str, slug: str, person_uri: str) -> bool:
    target = await actor_id(world, world.home_of[facilitator], person_uri)
    page = f"/c/{slug}/facilitate/members"
    return _ok(await world.submit(facilitator, page, "/unban", actor_id=str(target)))


async def visibility_page(world: World, facilitator: str, slug: str, level: str) -> bool:
    """The facilitator's settings page, when it offers the level (admins decide which levels facilitators have)."""
    page = f"/c/{slug}/facilitate/settings"
    shown = await world.page(facilitator, world.home_of[facilitator], page)
    form = find_form(shown.text, f"{page}")
    if form is None or level not in form.options("visibility"):
        return False
    return _ok(await world.submit(facilitator, page, page, {"visibility": level}))


async def visibility_cli(world: World, home: str, slug: str, level: str) -> bool:
    """`circlefed circles set-visibility SLUG LEVEL` as the admin runs it (in this process, on the same store)."""
    args = build_parser().parse_args(["circles", "set-visibility", slug, level, "--config", world.config[home]])
    assert isinstance(args, Namespace)
    return await args.run(args) == 0


async def display_name(world: World, person: str, group_uri: str, name: str | None) -> bool:
    """The per-circle name on /account: a chosen name, or (None) the page's way back to the generated one when it
    has one, else an emptied field."""
    home = world.home_of[person]
    with world.instances[home].db():
        row = await Membership.get_or_none(circle__actor__uri=group_uri, actor__uri=world.uri_of(person))
    if row is None:
        return False
    shown = await world.page(person, home, "/account")
    form = find_form(shown.text, "/account/pseudonym", membership=str(row.id))
    if form is None:
        return False
    field = next(f for f in form.fields if f.kind in ("text", "textarea") and f.name != "csrf_token")
    generated = next((b for b in form.buttons if "generat" in (b[0] + b[1]).lower()), None)
    choice = next((f.name for f in form.fields if "generat" in (f.name + f.value).lower()), None)
    if name is None and generated is not None:
        answer = await world.submit(person, "/account", "/account/pseudonym", button=generated[1],
                                    membership=str(row.id))
    elif name is None and choice is not None:
        answer = await world.submit(person, "/account", "/account/pseudonym", {choice: True}, membership=str(row.id))
    else:
        answer = await world.submit(person, "/account", "/account/pseudonym", {field.name: name or ""},
                                    membership=str(row.id))
    return _ok(answer)


async def real_names(world: World, on: bool) -> bool:
    return _ok(await world.submit(ADMIN, "/admin/settings", "/admin/settings", {"share_real_names": on}))


async def trust(world: World, domain: str, on: bool) -> bool:
    if on:
        return _ok(await world.submit(ADMIN, "/admin/federation", "/admin/federation/trusted",
                                      {"trusted_domain": domain}))
    return _ok(await world.submit(ADMIN, "/admin/federation", "/admin/federation/trusted/remove",
                                  trusted_domain=domain))
