"""Web API: Mastodon's statuses: post (a thread by mentioning its circle, a reply by in_reply_to_id), read, delete,
context, favourite; every change through services/posting.py, every read by the thread page's rule."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from tortoise.expressions import Q

from circlefed.domain.content import MAX_TITLE_LENGTH
from circlefed.domain.safety import Screening, crisis_resources_text
from circlefed.errors import BadRequest, Conflict, Forbidden, NotFound, TooManyRequests
from circlefed.services import posting
from circlefed.storage.models import Circle, Post, Reaction, ReactionKind, ReviewState, Thread
from circlefed.web.api.auth import (
    NO_STORE,
    bearer_optional,
    bearer_required,
    list_param,
    mastodon_error,
    read_params,
)
from circlefed.web.api.media import NO_MEDIA
from circlefed.web.api.status_views import (
    Readable,
    Viewer,
    readable_status,
    render_statuses,
    source_text,
    status_id,
    viewer_of,
)
from circlefed.web.keys import CLOCK, SETTINGS, SITE
from circlefed.web.ui.member_access import access_for, require_posting
from circlefed.web.ui.member_threads import readable_replies
from circlefed.web.ui.render import request_policy

log = logging.getLogger(__name__)

RECORD_NOT_FOUND = "Record not found"
# @slug or @slug@domain, not inside an address or a word.
MENTION = re.compile(r"(?<![\w@/.])@([A-Za-z0-9_-]+)(?:@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d+)?))?")
HELD = (
    "Your post is waiting for a facilitator. Thank you for writing. Your post was not lost: a facilitator of "
    "this circle will look at it soon. Until then, only you can see it."
)
HELD_EDIT = (
    "Your edit is waiting for a facilitator. Thank you for writing. Your changes were not lost: a facilitator of "
    "this circle will look at them soon. Until then, the circle sees your post as it was before."
)
CRISIS = "Your post is up. Thank you for writing. It sounds like things may be hard right now."
RESOURCES = "Support right now: if you are in danger or thinking about ending your life, please reach out now:"
NOT_A_SERVICE = "Circles here are peer-support groups, not a crisis service."
CONTEXT_LIMIT = 500


def refused_as_mastodon(handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
    """The domain's refusals in Mastodon's JSON shape; NotFound always the one same answer (no oracle)."""

    async def answer(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except NotFound:
            return mastodon_error(RECORD_NOT_FOUND, 404)
        except TooManyRequests as exc:
            return mastodon_error(exc.message, 429, **{"Retry-After": str(exc.retry_after or 60)})
        except (BadRequest, Forbidden, Conflict) as exc:
            log.info("api: %s %s refused: %s", request.method, request.path, exc.message)
            return mastodon_error(exc.message, 422 if isinstance(exc, BadRequest) else exc.status)

    return answer


async def _one(request: web.Request, readable: Readable, **extra: Any) -> web.Response:
    (status,) = await render_statuses(request, readable.access, readable.thread, [readable.row])
    return web.json_response({**status, **extra}, headers=NO_STORE)


async def _readable(request: web.Request) -> tuple[Readable, Viewer]:
    viewer = await viewer_of(request)
    return await readable_status(request.match_info["id"], viewer, request.app[CLOCK].now()), viewer


@bearer_optional("read:statuses")
@refused_as_mastodon
async def show(request: web.Request) -> web.StreamResponse:
    readable, _ = await _readable(request)
    return await _one(request, readable)


@bearer_optional("read:statuses")
@refused_as_mastodon
async def context(request: web.Request) -> web.StreamResponse:
    readable, _ = await _readable(request)
    thread, access, row = readable.thread, readable.access, readable.row
    replies = (await readable_replies(thread, access)).filter(deleted_at=None)
    if isinstance(row, Post):
        replies = replies.filter(Q(published_at__gt=row.published_at) | Q(published_at=row.published_at, id__gt=row.id))
    later = await replies.order_by("published_at", "id").limit(CONTEXT_LIMIT)
    ancestors = [] if isinstance(row, Thread) else await render_statuses(request, access, thread, [thread])
    descendants = await render_statuses(request, access, thread, list(later))
    return web.json_response({"ancestors": ancestors, "descendants": descendants}, headers=NO_STORE)


@bearer_required("write:statuses")
@refused_as_mastodon
async def create(request: web.Request) -> web.StreamResponse:
    params = await read_params(request)
    text = params.get("status") if isinstance(params.get("status"), str) else ""
    warning = params.get("spoiler_text")
    warning = warning.strip() or None if isinstance(warning, str) else None
    if list_param(params, "media_ids"):
        return mastodon_error(NO_MEDIA, 422)
    if not text.strip():
        return mastodon_error("Validation failed: Text can't be blank", 422)
    viewer = await viewer_of(request)
    assert viewer.actor is not None
    site, now = request.app[SITE], request.app[CLOCK].now()
    reply_to = params.get("in_reply_to_id")
    if reply_to:
        target = await readable_status(str(reply_to), viewer, now)
        posted = await posting.reply(site, target.thread, viewer.actor, source=text, content_warning=warning, now=now)
        row, screening = posted.post, posted.screening
        log.info("api: actor %d replied in thread %d", viewer.actor.id, target.thread.id)
    else:
        circle, title, body = await _new_thread_parts(request, text)
        require_posting(await access_for(circle, viewer.account, viewer.actor, now))
        started = await posting.start_thread(
            site, circle, viewer.actor, title=title, source=body, content_warning=warning, now=now
        )
        row, screening = started.thread, started.screening
        log.info("api: actor %d started thread %d in circle %d", viewer.actor.id, row.id, circle.id)
    readable = await readable_status(status_id(row), viewer, now)
    hold = await hold_message(request, screening)
    return await _one(request, readable, **({"circlefed_hold": hold} if hold else {}))


async def _new_thread_parts(request: web.Request, text: str) -> tuple[Circle, str, str]:
    """The one circle the text mentions, and the title (its first line without the mention) and body."""
    domain = request.app[SETTINGS].instance.domain.lower()
    circles: dict[int, Circle] = {}
    mentioned: list[re.Match] = []
    for match in MENTION.finditer(text):
        slug, host = match.group(1), (match.group(2) or "").lower()
        circle = await _circle_named(slug, host if host != domain else "")
        if circle is not None:
            circles[circle.id] = circle
            mentioned.append(match)
    if not circles and any(host and host.lower() != domain for _, host in MENTION.findall(text)):
        raise BadRequest("Join a circle of another instance (on its page here, or by its handle) to post in it")
    if len(circles) != 1:
        raise BadRequest("Mention the one circle to post in, like @circlename, at the start of your post")
    (circle,) = circles.values()
    return circle, *split_title(without_mentions(text, mentioned))


async def _circle_named(slug: str, host: str) -> Circle | None:
    """A circle of this instance (no host) or one of another instance that someone here joined."""
    if not host:
        return await Circle.get_or_none(slug=slug.lower(), is_local=True)
    return await Circle.filter(slug__iexact=slug, is_local=False, actor__instance__domain=host).first()


def without_mentions(text: str, mentions: list[re.Match]) -> str:
    for match in reversed(mentions):
        text = text[: match.start()] + text[match.end() :]
    return text


def split_title(text: str) -> tuple[str, str]:
    """A thread's title (the first line) and body (the rest; the title again when there is no rest). A first line
    too long for a title is shortened, and kept whole in the body: nothing typed is lost."""
    first, _, rest = text.replace("\r\n", "\n").partition("\n")
    first, rest = first.strip(), rest.strip()
    if not first:
        raise BadRequest("A thread needs a title on its first line")
    if len(first) <= MAX_TITLE_LENGTH:
        return first, rest or first
    title = first[: MAX_TITLE_LENGTH - 1].rsplit(" ", 1)[0].rstrip() or first[: MAX_TITLE_LENGTH - 1]
    return f"{title}…", f"{first}\n\n{rest}".strip()


async def hold_message(request: web.Request, screening: Screening | None, *, edit: bool = False) -> str | None:
    """What web/ui/member_compose.py's care page tells the poster after a hold or crisis words."""
    if screening is None or not (screening.is_held or screening.crisis_resources):
        return None
    resources = crisis_resources_text(await request_policy(request))
    opening = (HELD_EDIT if edit else HELD) if screening.is_held else CRISIS
    return f"{opening}\n\n{RESOURCES}\n{resources}\n\n{NOT_A_SERVICE}"


@bearer_required("write:statuses")
@refused_as_mastodon
async def delete(request: web.Request) -> web.StreamResponse:
    readable, viewer = await _readable(request)
    row, thread = readable.row, readable.thread
    if viewer.actor is None or row.author_id != viewer.actor.id:  # type: ignore[attr-defined]
        raise Forbidden("Only the author can delete this post")
    (status,) = await render_statuses(request, readable.access, thread, [row])
    site, now = request.app[SITE], request.app[CLOCK].now()
    status["text"] = source_text(readable)
    if isinstance(row, Thread):
        await posting.delete_thread(site, row, viewer.actor, now=now)
    else:
        await posting.delete_reply(site, row, viewer.actor, now=now)
    log.info("api: actor %d deleted status %s", viewer.actor.id, status["id"])
    return web.json_response(status, headers=NO_STORE)


async def _set_like(request: web.Request, liked: bool) -> web.StreamResponse:
    readable, viewer = await _readable(request)
    row, access = readable.row, readable.access
    if not access.is_member or row.review_state is not ReviewState.VISIBLE:
        raise Forbidden("Only members of this circle can like its posts")
    assert viewer.actor is not None
    now = request.app[CLOCK].now()
    has = await Reaction.exists(actor_id=viewer.actor.id, object_uri=row.uri, kind=ReactionKind.LIKE)
    if has != liked:
        await posting.toggle_like(request.app[SITE], access.circle, row, viewer.actor, now=now)
    return await _one(request, readable)


@bearer_required("write:favourites")
@refused_as_mastodon
async def favourite(request: web.Request) -> web.StreamResponse:
    return await _set_like(request, True)


@bearer_required("write:favourites")
@refused_as_mastodon
async def unfavourite(request: web.Request) -> web.StreamResponse:
    return await _set_like(request, False)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/v1/statuses", create, name="api_statuses")
    app.router.add_get("/api/v1/statuses/{id}", show, name="api_status")
    app.router.add_delete("/api/v1/statuses/{id}", delete)
    app.router.add_get("/api/v1/statuses/{id}/context", context)
    app.router.add_post("/api/v1/statuses/{id}/favourite", favourite)
    app.router.add_post("/api/v1/statuses/{id}/unfavourite", unfavourite)
