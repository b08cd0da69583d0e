"""Web UI: a circle's members for its facilitators: roles, bans (maybe removing posts), unbans, facilitators."""

from __future__ import annotations

import logging
from datetime import timedelta

from aiohttp import web

from circlefed.domain.memberships import joined_while_public, keep_member
from circlefed.errors import NotFound
from circlefed.services import membership, moderation
from circlefed.storage.models import Actor, CircleBan, Membership, MembershipState, Post, Thread
from circlefed.web.keys import SITE
from circlefed.web.ui.facilitate_common import Moderating, facilitator_page, int_field, now, page
from circlefed.web.ui.forms import Form, read_form
from circlefed.web.ui.member_access import names
from circlefed.web.ui.message_links import writable
from circlefed.web.ui.paging import cursor_param, keyset_page, page_url
from circlefed.web.ui.render import redirect

log = logging.getLogger(__name__)
MAX_REASON = 2000
MAX_BAN_DAYS = 3650


async def _person(mod: Moderating, value: str) -> Actor:
    """Someone with a place in this circle: a member (in any state), a banned person or an author here."""
    actor = await Actor.get_or_none(id=int_field(value, "person"))
    if actor is None or not await _belongs(mod, actor):
        raise NotFound("That person has no place in this circle.")
    return actor


async def _belongs(mod: Moderating, actor: Actor) -> bool:
    circle_id = mod.circle.id
    return (
        await Membership.exists(circle_id=circle_id, actor_id=actor.id)
        or await CircleBan.exists(circle_id=circle_id, actor_id=actor.id)
        or await Thread.exists(circle_id=circle_id, author_id=actor.id)
        or await Post.exists(thread__circle_id=circle_id, author_id=actor.id)
    )


@facilitator_page
async def members_page(request: web.Request, mod: Moderating) -> web.Response:
    target = await _person(mod, request.query["ban"]) if request.query.get("ban") else None
    return await _render(request, mod, target=target)


async def _render(
    request: web.Request, mod: Moderating, *, target: Actor | None = None, form: Form | None = None
) -> web.Response:
    approved = Membership.filter(circle_id=mod.circle.id, state=MembershipState.APPROVED).select_related("actor")
    listing = await keyset_page(approved, "id", None if form else cursor_param(request))
    bans = await CircleBan.filter(circle_id=mod.circle.id).select_related("actor").order_by("-created_at", "-id")
    people = [row.actor for row in listing.items] + [ban.actor for ban in bans] + ([target] if target else [])
    public_joiners = await joined_while_public(mod.circle)
    people += [row.actor for row in public_joiners]
    context = {
        "members": listing.items,
        "public_joiners": public_joiners,
        "bans": bans,
        "banned_ids": {ban.actor_id for ban in bans if ban.expires_at is None or ban.expires_at > now(request)},
        "names": await names(mod.circle, people, for_facilitators=True),
        "writable": await writable(mod.circle, mod.viewer, people),
        "target": target,
        "form": form,
        "viewer_id": mod.viewer.id,
        "next_url": None if form else page_url(request, listing.next_cursor),
    }
    return await page(request, mod, "ui/facilitate/members.html", context, status=400 if form else 200)


def _ban_days(form: Form) -> int | None:
    text = form.text("expiry_days", label="Days")
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_BAN_DAYS:
        form.error("expiry_days", f"Give a whole number of days from 1 to {MAX_BAN_DAYS}, or leave it empty.")
        return None
    return int(text)


@facilitator_page
async def ban(request: web.Request, mod: Moderating) -> web.Response:
    form = await read_form(request)
    person = await _person(mod, form.raw("actor_id"))
    reason = form.text("reason", max_length=MAX_REASON)
    days, remove_data, share = _ban_days(form), form.checkbox("remove_data"), form.checkbox("share_reason")
    if not form.ok:
        return await _render(request, mod, target=person, form=form)
    moment = now(request)
    expires_at = moment + timedelta(days=days) if days else None
    event = await moderation.ban_member(
        request.app[SITE],
        mod.circle,
        person,
        mod.viewer,
        reason=reason,
        reason_shared=share,
        expires_at=expires_at,
        remove_data=remove_data,
        now=moment,
    )
    log.info(
        "circle %s: actor %s banned by actor %s (posts removed: %s)",
        mod.circle.id,
        person.id,
        mod.viewer.id,
        len(event.removals),
    )
    removed = f" {len(event.removals)} of their posts were removed." if remove_data else ""
    return redirect(request, f"{mod.base}/members", f"The ban is in place.{removed}")


@facilitator_page
async def unban(request: web.Request, mod: Moderating) -> web.Response:
    form = await read_form(request)
    person = await _person(mod, form.raw("actor_id"))
    changed = await moderation.unban_member(request.app[SITE], mod.circle, person, mod.viewer, now=now(request))
    log.info("circle %s: actor %s unbanned by actor %s", mod.circle.id, person.id, mod.viewer.id)
    message = "The ban was lifted." if changed else "There was no ban to lift."
    return redirect(request, f"{mod.base}/members", message)


@facilitator_page
async def remove_public_joiners(request: web.Request, mod: Moderating) -> web.Response:
    """Everyone who joined while the circle was public and was not kept, out in one step (they may ask again)."""
    await read_form(request)
    people = [row.actor for row in await joined_while_public(mod.circle)]
    removed = await membership.remove_members(request.app[SITE], mod.circle, people, mod.viewer, now=now(request))
    log.info("circle %s: %d members who joined while it was public removed by actor %s", mod.circle.id,
             len(removed), mod.viewer.id)
    return redirect(request, f"{mod.base}/members", f"{len(removed)} people who joined while the circle was public "
                    "were removed. They can ask to join again.")


@facilitator_page
async def keep(request: web.Request, mod: Moderating) -> web.Response:
    form = await read_form(request)
    person = await _person(mod, form.raw("actor_id"))
    kept = await keep_member(mod.circle, person, by=mod.viewer, now=now(request))
    return redirect(request, f"{mod.base}/members", "They stay in the circle." if kept else "Nothing changed.")


@facilitator_page
async def facilitator_role(request: web.Request, mod: Moderating) -> web.Response:
    form = await read_form(request)
    person = await _person(mod, form.raw("actor_id"))
    make = form.raw("facilitator") != "0"
    changed = await moderation.set_facilitator(
        request.app[SITE], mod.circle, person, mod.viewer, facilitator=make, now=now(request)
    )
    if not changed:
        return redirect(request, f"{mod.base}/members", "Nothing changed.")
    message = "They are a facilitator of the circle now." if make else "They are a member (not a facilitator) now."
    return redirect(request, f"{mod.base}/members", message)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/c/{slug}/facilitate/members", members_page, name="facilitate_members")
    app.router.add_post("/c/{slug}/facilitate/ban", ban, name="facilitate_ban")
    app.router.add_post("/c/{slug}/facilitate/unban", unban, name="facilitate_unban")
    app.router.add_post("/c/{slug}/facilitate/facilitator", facilitator_role, name="facilitate_role")
    app.router.add_post("/c/{slug}/facilitate/remove-public-joiners", remove_public_joiners)
    app.router.add_post("/c/{slug}/facilitate/keep", keep)
