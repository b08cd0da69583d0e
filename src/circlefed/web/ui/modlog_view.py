"""Web UI: moderation log entries as sentences: who did what to which thread, reply or person, each named as the
circle shows it and linked (never a bare id), for the facilitators' log and the admins' log."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp import web

from circlefed.domain import circle_founding, circle_invites, circle_settings, modlog
from circlefed.storage.models import Actor, Circle, ModerationLogEntry, Post, Thread
from circlefed.web.ui.member_access import names, thread_path

# Each action as a sentence with its target, and without one (the target is not stored here, or is the circle).
SENTENCES: dict[str, tuple[str, str]] = {
    modlog.REMOVE_THREAD: ("{who} removed {target}", "{who} removed a thread"),
    modlog.REMOVE_REPLY: ("{who} removed {target}", "{who} removed a reply"),
    modlog.LOCK: ("{who} locked {target}", "{who} locked a thread"),
    modlog.UNLOCK: ("{who} unlocked {target}", "{who} unlocked a thread"),
    modlog.PIN: ("{who} pinned {target}", "{who} pinned a thread"),
    modlog.UNPIN: ("{who} unpinned {target}", "{who} unpinned a thread"),
    modlog.BAN: ("{who} banned {target} from the circle", "{who} banned someone from the circle"),
    modlog.UNBAN: ("{who} lifted the ban on {target}", "{who} lifted a ban"),
    modlog.BAN_ENDED: ("The ban on {target} ended", "A ban ended"),
    modlog.ADD_FACILITATOR: ("{who} made {target} a facilitator", "{who} made someone a facilitator"),
    modlog.REMOVE_FACILITATOR: (
        "{who} made {target} a member again, no longer a facilitator",
        "{who} made a facilitator a member again",
    ),
    modlog.REMOVE_MEMBER: ("{who} removed {target} from the circle", "{who} removed someone from the circle"),
    modlog.KEEP_MEMBER: (
        "{who} kept {target} in the circle after it became confidential",
        "{who} kept someone in the circle after it became confidential",
    ),
    modlog.APPROVE_JOIN: ("{who} let {target} join the circle", "{who} let someone join the circle"),
    modlog.REJECT_JOIN: ("{who} declined the request of {target} to join", "{who} declined a request to join"),
    modlog.APPROVE_POST: ("{who} approved {target}, which was held for review", "{who} approved a held post"),
    modlog.REJECT_POST: ("{who} declined {target}, which was held for review", "{who} declined a held post"),
    modlog.APPROVE_EDIT: ("{who} approved a held edit of {target}", "{who} approved a held edit"),
    modlog.REJECT_EDIT: ("{who} declined a held edit of {target}", "{who} declined a held edit"),
    modlog.SET_RULES: ("{who} changed the ground rules", "{who} changed the ground rules"),
    modlog.RESOLVE_REPORT: ("{who} resolved a report about {target}", "{who} resolved a report"),
    circle_settings.SET_VISIBILITY: ("{who} changed who can see the circle", "{who} changed who can see the circle"),
    circle_settings.SET_RETENTION: ("{who} changed how long posts are kept", "{who} changed how long posts are kept"),
    circle_settings.SET_JOIN_APPROVAL: ("{who} changed how joining works", "{who} changed how joining works"),
    circle_settings.SET_DESCRIPTION: ("{who} renamed or described the circle", "{who} renamed or described the circle"),
    circle_founding.CREATE_CIRCLE: ("{who} started the circle", "{who} started the circle"),
    circle_invites.INVITE_TO_CIRCLE: ("{who} made an invitation link", "{who} made an invitation link"),
    circle_settings.SET_MEMBER_MESSAGES: (
        "{who} changed whether members may write to each other",
        "{who} changed whether members may write to each other",
    ),
}
REMOVALS = {modlog.REMOVE_THREAD, modlog.REMOVE_REPLY}


@dataclass(frozen=True)
class Part:
    """A piece of a sentence: plain text, the moderator's name, or the target (with its link, if any)."""

    kind: str  # "text", "who" or "target"
    text: str
    href: str | None = None


@dataclass(frozen=True)
class Target:
    text: str
    href: str | None = None


def sentence(action: str, who: str, target: Target | None) -> list[Part]:
    """The parts of one entry's sentence (an unknown action reads as its name, with its target if known)."""
    with_target, without = SENTENCES.get(action, ("{who}: " + action.replace("_", " ") + " {target}",
                                                  "{who}: " + action.replace("_", " ")))
    template = with_target if target is not None else without
    parts: list[Part] = []
    for index, piece in enumerate(template.replace("{target}", "\0{target}\0").replace("{who}", "\0{who}\0")
                                  .split("\0")):
        if piece == "{who}":
            parts.append(Part("who", who))
        elif piece == "{target}" and target is not None:
            parts.append(Part("target", target.text, target.href))
        elif piece:
            parts.append(Part("text", piece if index else piece[:1].upper() + piece[1:]))
    return parts


async def sentences(request: web.Request, entries: list[ModerationLogEntry]) -> dict[int, list[Part]]:
    """Every entry's sentence by entry id (each entry's moderator loaded)."""
    uris = {entry.target_uri for entry in entries if entry.target_uri}
    rows = await _rows(uris)
    actors = {actor.uri: actor for actor in await Actor.filter(uri__in=[uri for uri in uris if uri not in rows])}
    by_circle: dict[int | None, list[ModerationLogEntry]] = defaultdict(list)
    for entry in entries:
        by_circle[entry.circle_id].append(entry)
    circles = {circle.id: circle for circle in await Circle.filter(id__in=[key for key in by_circle if key])}
    said: dict[int, list[Part]] = {}
    for circle_id, group in by_circle.items():
        circle = circles.get(circle_id) if circle_id is not None else None
        people = [actors.get(entry.target_uri) for entry in group] + [entry.moderator for entry in group]
        shown = await _names(circle, people)
        for entry in group:
            who = shown.get(entry.moderator_id, "Someone")
            if circle is not None and entry.moderator_id == circle.actor_id:
                who = circle.name
            target = _target(request, entry, circle, rows.get(entry.target_uri), actors.get(entry.target_uri), shown)
            said[entry.id] = sentence(entry.action, who, target)
    return said


async def _rows(uris: set[str]) -> dict[str, Thread | Post]:
    """The threads and replies named, replies with their thread loaded."""
    found: dict[str, Thread | Post] = {row.uri: row for row in await Thread.filter(uri__in=list(uris))}
    rest = [uri for uri in uris if uri not in found]
    found.update({row.uri: row for row in await Post.filter(uri__in=rest).select_related("thread")})
    return found


async def _names(circle: Circle | None, people: Iterable[Actor | None]) -> dict[int, str]:
    """Names as the circle shows them to its facilitators ("Member 1a2b3c (robin)"); the account's name for
    entries about the instance itself."""
    if circle is not None:
        return await names(circle, [p for p in people if p is not None and p.id != circle.actor_id],
                           for_facilitators=True)
    return {p.id: p.local_name or p.preferred_username for p in people if p is not None}


def _target(
    request: web.Request,
    entry: ModerationLogEntry,
    circle: Circle | None,
    row: Thread | Post | None,
    actor: Actor | None,
    shown: dict[int, str],
) -> Target | None:
    if row is not None:
        thread = row if isinstance(row, Thread) else row.thread
        if circle is None or thread.circle_id != circle.id:
            return None  # another circle's post: not named in this circle's log
        return _post_target(request, entry.action, row, thread)
    if actor is not None and actor.id in shown:
        href = f"/c/{circle.slug}/facilitate/members#member-{actor.id}" if circle and circle.is_local else None
        return Target(shown[actor.id], href)
    return None


def _post_target(request: web.Request, action: str, row: Thread | Post, thread: Thread) -> Target:
    """“the thread “…”” or “a reply in “…””, linked while it is there; a removed thread's title is gone with it."""
    removed = " (since removed)" if row.deleted_at is not None and action not in REMOVALS else ""
    if thread.deleted_at is not None:
        where = "a thread since removed"
        if isinstance(row, Thread):
            return Target("a thread" if action in REMOVALS else where)
        return Target(f"a reply in {where}")
    path = thread_path(request, thread)
    if isinstance(row, Thread):
        return Target(f"the thread “{thread.title}”", path)
    href = path if row.deleted_at is not None else f"{path}#post-{row.id}"
    return Target(f"a reply{removed} in “{thread.title}”", href)
