"""Domain: edits through the safety net: earlier versions kept, held edits proposed and decided by facilitators."""

from __future__ import annotations

from datetime import datetime

from circlefed.domain import modlog
from circlefed.domain.events import ReplyEdited, ThreadEdited
from circlefed.domain.memberships import can_moderate
from circlefed.domain.safety import Screening
from circlefed.errors import Conflict, Forbidden
from circlefed.storage.models import Actor, Circle, Post, ReviewState, Revision, Thread

Row = Thread | Post


def text_of(row: Row) -> dict:
    """The fields an edit changes, as the row has them now."""
    title = row.title if isinstance(row, Thread) else ""
    return {
        "title": title, "source": row.source, "content_html": row.content_html, "content_warning": row.content_warning
    }


def _owner(row: Row) -> dict:
    return {"thread": row} if isinstance(row, Thread) else {"post": row}


async def apply_edit(row: Row, fields: dict, now: datetime) -> None:
    """Show the new text; the one it replaces is kept for the circle's facilitators (history)."""
    await Revision.create(
        **_owner(row), author_id=row.author_id, created_at=now, **text_of(row)  # type: ignore[attr-defined]
    )
    changed = [name for name in fields if name != "title" or isinstance(row, Thread)]
    for name in changed:
        setattr(row, name, fields[name])
    row.edited_at = now
    await row.save(update_fields=[*changed, "edited_at"])


async def propose_edit(row: Row, author: Actor, fields: dict, screening: Screening, now: datetime) -> Revision:
    """An edit the safety net held: the shown text stays until a facilitator decides. A newer held edit by the
    author replaces the one still waiting."""
    waiting = await Revision.get_or_none(**_owner(row), is_proposal=True, state=ReviewState.HELD)
    values = {**fields, "review_reason": screening.reason, "created_at": now, "author": author}
    if waiting is not None:
        await waiting.update_from_dict(values).save()
        return waiting
    return await Revision.create(**_owner(row), is_proposal=True, state=ReviewState.HELD, **values)


async def held_edits(circle: Circle) -> list[Revision]:
    """Edits of the circle's live posts waiting for a facilitator, oldest first, with their thread or post."""
    in_circle = {"is_proposal": True, "state": ReviewState.HELD}
    of_threads = Revision.filter(thread__circle_id=circle.id, thread__deleted_at__isnull=True, **in_circle)
    of_posts = Revision.filter(post__thread__circle_id=circle.id, post__deleted_at__isnull=True, **in_circle)
    rows = [*await of_threads.select_related("thread"), *await of_posts.select_related("post")]
    return sorted(rows, key=lambda revision: revision.created_at)


async def approve_edit(revision: Revision, by: Actor, *, now: datetime) -> ThreadEdited | ReplyEdited:
    """The held edit becomes the shown text and leaves this instance as an edit does."""
    row, thread, circle = await _of(revision)
    await _check_moderator(circle, by)
    _check_waiting(revision)
    await apply_edit(row, {name: getattr(revision, name) for name in text_of(row)}, now)
    await _decide(revision, ReviewState.VISIBLE, "", now)
    reason = revision.review_reason or ""
    await modlog.record(circle, by, modlog.APPROVE_EDIT, target_uri=row.uri, reason=reason, now=now)
    author = await Actor.get(id=row.author_id)  # type: ignore[attr-defined]
    if isinstance(row, Thread):
        return ThreadEdited(circle, row, author)
    return ReplyEdited(circle, thread, row, author)


async def reject_edit(revision: Revision, by: Actor, *, note: str = "", now: datetime) -> None:
    """The held edit is declined: the shown text stays; the author reads the facilitator's note on the post."""
    row, _, circle = await _of(revision)
    await _check_moderator(circle, by)
    _check_waiting(revision)
    await _decide(revision, ReviewState.REJECTED, note, now)
    await modlog.record(circle, by, modlog.REJECT_EDIT, target_uri=row.uri, reason=note, now=now)


async def history(row: Row) -> list[Revision]:
    """Earlier texts of the row, newest first (facilitators only)."""
    return await Revision.filter(**_owner(row), is_proposal=False).order_by("-created_at", "-id")


async def latest_proposals(rows: list[Row], author: Actor) -> dict[str, Revision]:
    """row uri -> the author's latest proposed edit of it that waits or was declined (what they are told)."""
    found: dict[str, Revision] = {}
    threads = [row for row in rows if isinstance(row, Thread)]
    posts = [row for row in rows if isinstance(row, Post)]
    for kind, owned in (("thread", threads), ("post", posts)):
        if not owned:
            continue
        by_id = {row.id: row for row in owned}
        proposals = await Revision.filter(
            **{f"{kind}_id__in": list(by_id)}, author_id=author.id, is_proposal=True,
            state__in=[ReviewState.HELD, ReviewState.REJECTED],
        ).order_by("created_at", "id")
        for proposal in proposals:
            found[by_id[getattr(proposal, f"{kind}_id")].uri] = proposal
    return found


async def _of(revision: Revision) -> tuple[Row, Thread, Circle]:
    if revision.thread_id is not None:  # type: ignore[attr-defined]
        thread = await Thread.get(id=revision.thread_id)  # type: ignore[attr-defined]
        return thread, thread, await Circle.get(id=thread.circle_id)  # type: ignore[attr-defined]
    post = await Post.get(id=revision.post_id)  # type: ignore[attr-defined]
    thread = await Thread.get(id=post.thread_id)  # type: ignore[attr-defined]
    return post, thread, await Circle.get(id=thread.circle_id)  # type: ignore[attr-defined]


async def _check_moderator(circle: Circle, by: Actor) -> None:
    if not await can_moderate(circle, by):
        raise Forbidden("only the circle's facilitators or an admin of its instance can decide on held edits")


def _check_waiting(revision: Revision) -> None:
    if not revision.is_proposal or revision.state is not ReviewState.HELD:
        raise Conflict("this edit is not waiting for review")


async def _decide(revision: Revision, state: ReviewState, note: str, now: datetime) -> None:
    revision.state, revision.decision_note, revision.decided_at = state, note, now
    await revision.save(update_fields=["state", "decision_note", "decided_at"])
