"""Web UI: a circle's moderation log for its facilitators, newest first, in keyset pages."""

from __future__ import annotations

from aiohttp import web

from circlefed.domain import circle_settings, modlog
from circlefed.storage.models import Actor, ModerationLogEntry, Post, Thread
from circlefed.web.ui.facilitate_common import Moderating, facilitator_page, page
from circlefed.web.ui.member_access import names
from circlefed.web.ui.paging import cursor_param, keyset_page, page_url

ACTIONS = {
    modlog.REMOVE_THREAD: "removed a thread",
    modlog.REMOVE_REPLY: "removed a reply",
    modlog.LOCK: "locked a thread",
    modlog.UNLOCK: "unlocked a thread",
    modlog.PIN: "pinned a thread",
    modlog.UNPIN: "unpinned a thread",
    modlog.BAN: "banned",
    modlog.UNBAN: "lifted the ban on",
    modlog.BAN_ENDED: "saw the ban end for",
    modlog.ADD_FACILITATOR: "made facilitator",
    modlog.REMOVE_FACILITATOR: "made a member again",
    modlog.REMOVE_MEMBER: "removed from the circle",
    modlog.KEEP_MEMBER: "kept in the circle, after it became confidential,",
    modlog.APPROVE_JOIN: "approved the request to join of",
    modlog.REJECT_JOIN: "declined the request to join of",
    modlog.APPROVE_POST: "approved a held post",
    modlog.REJECT_POST: "declined a held post",
    modlog.APPROVE_EDIT: "approved a held edit of",
    modlog.REJECT_EDIT: "declined a held edit of",
    modlog.SET_RULES: "changed the ground rules",
    modlog.RESOLVE_REPORT: "resolved a report about",
    circle_settings.SET_VISIBILITY: "changed who can see the circle",
    circle_settings.SET_RETENTION: "changed how long posts are kept",
    circle_settings.SET_JOIN_APPROVAL: "changed how joining works",
    circle_settings.SET_MEMBER_MESSAGES: "changed whether members may write to each other",
}


@facilitator_page
async def log_page(request: web.Request, mod: Moderating) -> web.Response:
    entries = ModerationLogEntry.filter(circle_id=mod.circle.id).select_related("moderator")
    listing = await keyset_page(entries, "created_at", cursor_param(request))
    targets = await _targets(mod, [entry.target_uri for entry in listing.items])
    context = {
        "entries": listing.items,
        "actions": ACTIONS,
        "targets": targets,
        "names": await names(mod.circle, [entry.moderator for entry in listing.items], for_facilitators=True),
        "next_url": page_url(request, listing.next_cursor),
    }
    return await page(request, mod, "ui/facilitate/log.html", context)


async def _targets(mod: Moderating, uris: list[str]) -> dict[str, str]:
    """A readable name for each target: a thread's title, a person's name in this circle, or nothing (the circle)."""
    wanted = [uri for uri in set(uris) if uri]
    shown: dict[str, str] = {}
    for thread in await Thread.filter(uri__in=wanted, circle_id=mod.circle.id):
        shown[thread.uri] = f"“{thread.title}”" if thread.title else "a thread since removed"
    for post in await Post.filter(uri__in=wanted, thread__circle_id=mod.circle.id).select_related("thread"):
        shown[post.uri] = f"in “{post.thread.title}”" if post.thread.title else "in a thread since removed"
    actors = await Actor.filter(uri__in=[uri for uri in wanted if uri not in shown])
    people = await names(
        mod.circle, [actor for actor in actors if actor.id != mod.circle.actor_id], for_facilitators=True
    )  # type: ignore[attr-defined]
    for actor in actors:
        if actor.id in people:
            shown[actor.uri] = people[actor.id]
    return shown


def add_routes(app: web.Application) -> None:
    app.router.add_get("/c/{slug}/facilitate/log", log_page, name="facilitate_log")
