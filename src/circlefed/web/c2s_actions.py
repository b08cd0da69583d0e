"""Web: what an activity posted to a member's outbox does, each through its service (services/posting.py,
membership.py, decisions.py) by the pages' own rules: a post the member may not read is a missing one, posting
needs the circle's member, changing a post needs its author, and the safety net runs as for every post."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from circlefed.domain.directory import not_found
from circlefed.domain.safety import Screening
from circlefed.domain.site import Site
from circlefed.errors import BadRequest, Forbidden, NotFound
from circlefed.federation.lookup import find_post, thread_and_circle
from circlefed.protocol import c2s
from circlefed.services import decisions, membership, posting
from circlefed.storage.models import (
    Actor,
    Circle,
    Membership,
    OutboxActivity,
    Post,
    Reaction,
    ReactionKind,
    ReportCategory,
    ReviewState,
    Thread,
)
from circlefed.storage.visibility import is_hidden_author
from circlefed.web.api.statuses import split_title
from circlefed.web.c2s_member import Owner, voices
from circlefed.web.ui.member_access import (
    Access,
    access_for,
    may_see_row,
    readable_thread_access,
    require_posting,
    require_reportable,
)

log = logging.getLogger(__name__)
NO_CIRCLE = "Address the post to one circle you can post in: its id (the Group) in `to`, `cc` or `audience`"
UNKNOWN_CIRCLE = "The object is not a circle known here"
REMOTE_JOIN = "Join a circle of another instance from the Circles page, with its handle"


@dataclass(frozen=True)
class Done:
    """What the activity did: its type, the object it made or acted on, what left this instance for it (its id
    is the new activity's: the answer's Location), and the safety net's word on a post."""

    kind: str
    object_id: str
    object_type: str | None = None
    activity: OutboxActivity | None = None
    activity_id: str | None = None  # an id the change keeps without sending anything (a like in a closed circle)
    screening: Screening | None = None
    edit: bool = False


@dataclass(frozen=True)
class Acting:
    """Who acts (the outbox's owner), on which instance, and when."""

    site: Site
    owner: Owner
    now: datetime

    @property
    def actor(self) -> Actor:
        return self.owner.actor


async def perform(acting: Acting, request: c2s.C2SRequest) -> Done:
    """Do what the request asks; the domain's and the services' refusals are raised as they are."""
    if isinstance(request, c2s.NewPost):
        return await _create(acting, request)
    if isinstance(request, c2s.EditPost):
        return await _edit(acting, request)
    if isinstance(request, c2s.DeletePost):
        return await _delete(acting, request.object_id)
    if isinstance(request, c2s.FollowCircle):
        return await _follow(acting, request.object_id)
    if isinstance(request, c2s.LikePost):
        return await _like(acting, request.object_id, liked=True)
    if isinstance(request, c2s.UndoActivity):
        return await _undo(acting, request)
    return await _report(acting, request)


# --- posts ----------------------------------------------------------------------------------------------------


async def _create(acting: Acting, request: c2s.NewPost) -> Done:
    site, actor, now = acting.site, acting.actor, acting.now
    mark = await _mark()
    row: Thread | Post
    if request.in_reply_to:
        _, thread, access = await _readable(acting, request.in_reply_to)
        posted = await posting.reply(
            site, thread, actor, source=request.text, content_warning=request.content_warning, now=now
        )
        row, screening = posted.post, posted.screening
    else:
        access = require_posting(await _addressed_circle(acting, request.addressed))
        title, body = (request.title, request.text) if request.title else split_title(request.text)
        started = await posting.start_thread(
            site, access.circle, actor, title=title, source=body, content_warning=request.content_warning, now=now
        )
        row, screening = started.thread, started.screening
    log.info("c2s: actor %d posted %s %d in circle %d", actor.id, _kind(row), row.id, access.circle.id)
    sent = await _sent(acting, mark, access.circle, "Create", row.uri)
    return Done("Create", row.uri, "Page" if isinstance(row, Thread) else "Note", sent, screening=screening)


async def _edit(acting: Acting, request: c2s.EditPost) -> Done:
    row, _, access = await _own(acting, request.object_id)
    site, actor, now = acting.site, acting.actor, acting.now
    text = row.source if isinstance(request.text, c2s.Unchanged) else request.text
    warning = row.content_warning if isinstance(request.content_warning, c2s.Unchanged) else request.content_warning
    mark = await _mark()
    if isinstance(row, Thread):
        title = row.title if isinstance(request.title, c2s.Unchanged) else request.title
        result = await posting.edit_thread(site, row, actor, title=title, source=text, content_warning=warning, now=now)
    else:
        result = await posting.edit_reply(site, row, actor, source=text, content_warning=warning, now=now)
    log.info("c2s: actor %d edited %s %d", actor.id, _kind(row), row.id)
    sent = await _sent(acting, mark, access.circle, "Update", row.uri)
    return Done("Update", row.uri, activity=sent, screening=result.screening, edit=True)


async def _delete(acting: Acting, uri: str) -> Done:
    row, _, access = await _own(acting, uri)
    mark = await _mark()
    if isinstance(row, Thread):
        await posting.delete_thread(acting.site, row, acting.actor, now=acting.now)
    else:
        await posting.delete_reply(acting.site, row, acting.actor, now=acting.now)
    log.info("c2s: actor %d deleted %s %d", acting.actor.id, _kind(row), row.id)
    return Done("Delete", row.uri, activity=await _sent(acting, mark, access.circle, "Delete", row.uri))


async def _like(acting: Acting, uri: str, *, liked: bool) -> Done:
    """Like (liked) or take the like back; asking for what already is changes nothing."""
    row, _, access = await _readable(acting, uri)
    if not access.is_member or row.review_state is not ReviewState.VISIBLE:
        raise Forbidden("Only members of this circle can like its posts")
    mark = await _mark()
    if (await _reaction(acting.actor, row.uri) is not None) != liked:
        await posting.toggle_like(acting.site, access.circle, row, acting.actor, now=acting.now)
    if liked:
        reaction = await _reaction(acting.actor, row.uri)
        sent = await _sent(acting, mark, access.circle, "Like", row.uri)
        return Done("Like", row.uri, activity=sent, activity_id=reaction.activity_uri if reaction else None)
    return Done("Undo", row.uri, activity=await _sent(acting, mark, access.circle, "Undo", row.uri))


async def _reaction(actor: Actor, uri: str) -> Reaction | None:
    return await Reaction.get_or_none(actor_id=actor.id, object_uri=uri, kind=ReactionKind.LIKE)


async def _report(acting: Acting, request: c2s.ReportPosts) -> Done:
    """One report per post the Flag names (the person it may also name is each post's author); all or none."""
    category = request.category or ReportCategory.OTHER.value
    if category not in {kind.value for kind in ReportCategory}:
        raise BadRequest(f"reportCategory is one of {', '.join(kind.value for kind in ReportCategory)}")
    found = [row for row in [await find_post(uri) for uri in dict.fromkeys(request.object_ids)] if row is not None]
    reported = [await _readable(acting, row.uri) for row in found]
    for row, _, access in reported:
        require_reportable(row, access)
    if not reported:
        raise not_found()
    mark, sent = await _mark(), None
    for row, _, access in reported:
        author = await Actor.get(id=row.author_id)  # type: ignore[attr-defined]
        await decisions.file_report(acting.site, access.circle, acting.actor, object_uris=[row.uri], category=category,
                                    reported_actor=author, reason=request.reason, now=acting.now)
        log.info("c2s: actor %d reported %s %d (%s)", acting.actor.id, _kind(row), row.id, category)
        sent = sent or await _sent(acting, mark, access.circle, "Flag")
    return Done("Flag", reported[0][0].uri, activity=sent)


# --- circles ----------------------------------------------------------------------------------------------------


async def _follow(acting: Acting, group_uri: str) -> Done:
    circle, _ = await _circle_of_group(acting, group_uri)
    if not circle.is_local:
        raise BadRequest(REMOTE_JOIN)
    outcome = await membership.join_circle(acting.site, circle, acting.actor, rules_version=None, now=acting.now)
    log.info("c2s: actor %d asked to join circle %d: %s", acting.actor.id, circle.id, outcome.state.value)
    return Done("Follow", group_uri)


async def _leave(acting: Acting, group_uri: str) -> Done:
    circle, _ = await _circle_of_group(acting, group_uri)
    mark = await _mark()
    await membership.leave_circle(acting.site, circle, acting.actor, now=acting.now)
    log.info("c2s: actor %d left circle %d", acting.actor.id, circle.id)
    return Done("Undo", group_uri, activity=await _sent(acting, mark, circle, "Undo", group_uri))


async def _undo(acting: Acting, request: c2s.UndoActivity) -> Done:
    request = await resolved(acting, request)
    assert request.object_id is not None
    return await (_like(acting, request.object_id, liked=False) if request.kind == "Like" else
                  _leave(acting, request.object_id))


async def resolved(acting: Acting, request: c2s.C2SRequest) -> c2s.C2SRequest:
    """An Undo named by its id alone as the like or follow it undoes (one of the member's own); NotFound for
    any other id. Anything else as it is."""
    if not isinstance(request, c2s.UndoActivity) or request.kind is not None:
        return request
    reaction = await Reaction.get_or_none(activity_uri=request.activity_id, actor_id=acting.actor.id)
    if reaction is not None:
        return c2s.UndoActivity("Like", reaction.object_uri, request.activity_id)
    follow = await Membership.get_or_none(follow_activity_uri=request.activity_id, actor_id=acting.actor.id)
    if follow is None:
        raise not_found()
    circle = await Circle.get(id=follow.circle_id)  # type: ignore[attr-defined]
    group = await Actor.get(id=circle.actor_id)  # type: ignore[attr-defined]
    return c2s.UndoActivity("Follow", group.uri, request.activity_id)


async def _circle_of_group(acting: Acting, group_uri: str) -> tuple[Circle, Access]:
    """A circle known here by its Group's id, if the member may see it; else refused as unknown (no oracle)."""
    circle = await Circle.get_or_none(actor__uri=group_uri)
    if circle is None:
        raise BadRequest(UNKNOWN_CIRCLE)
    try:
        return circle, await access_for(circle, acting.owner.account, acting.actor, acting.now)
    except NotFound:
        raise BadRequest(UNKNOWN_CIRCLE) from None


async def _addressed_circle(acting: Acting, addresses: tuple[str, ...]) -> Access:
    """The one circle a new thread is addressed to (its Group, or its followers), as the member may see it."""
    wanted = list(dict.fromkeys(addresses))
    groups = Actor.filter(Q(uri__in=wanted) | Q(followers_uri__in=wanted), type="Group") if wanted else None
    found: dict[int, Access] = {}
    group_ids = await groups.values_list("id", flat=True) if groups is not None else []
    for circle in await Circle.filter(actor_id__in=list(group_ids)) if group_ids else []:
        try:
            found[circle.id] = await access_for(circle, acting.owner.account, acting.actor, acting.now)
        except NotFound:
            continue  # a circle the member may not see is one they did not address
    if len(found) != 1:
        raise BadRequest(NO_CIRCLE)
    return next(iter(found.values()))


# --- reading the rows named --------------------------------------------------------------------------------------


async def _readable(acting: Acting, uri: str) -> tuple[Thread | Post, Thread, Access]:
    """The live thread or reply stored under `uri` if the member may read it now (the thread page's rule), else
    the one NotFound a missing id raises too."""
    row = await find_post(uri)
    if row is None or row.deleted_at is not None:
        raise not_found()
    thread, circle = await thread_and_circle(row)
    if thread.deleted_at is not None:
        raise not_found()
    access = await access_for(circle, acting.owner.account, acting.actor, acting.now)
    access = await readable_thread_access(access, thread)
    if not may_see_row(row, access) or await is_hidden_author(row.author_id):  # type: ignore[attr-defined]
        raise not_found()
    return row, thread, access


async def _own(acting: Acting, uri: str) -> tuple[Thread | Post, Thread, Access]:
    row, thread, access = await _readable(acting, uri)
    if row.author_id != acting.actor.id:  # type: ignore[attr-defined]
        raise Forbidden("Only the author can change this post")
    return row, thread, access


async def _mark() -> int:
    """The newest stored activity's row id: what a change stores after it is newer."""
    last = await OutboxActivity.all().order_by("-id").limit(1).values_list("id", flat=True)
    return last[0] if last else 0


async def _sent(acting: Acting, mark: int, circle: Circle, kind: str, object_uri: str | None = None):
    """The activity of `kind` the change stored, as the member or their pseudonym in the circle; None when it
    sent nothing (held for review, or a change that stays on this instance)."""
    speakers = [actor.id for actor in await voices(acting.actor, [circle])]
    rows = OutboxActivity.filter(id__gt=mark, actor_id__in=speakers, type=kind)
    if object_uri is not None:
        rows = rows.filter(object_uri=object_uri)
    return await rows.order_by("-id").first()


def _kind(row: Thread | Post) -> str:
    return "thread" if isinstance(row, Thread) else "reply"
