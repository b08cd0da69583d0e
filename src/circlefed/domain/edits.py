"""Domain: the one path of every edit (a local member's form, a remote Update): the safety net as for a new post,
then the new text is shown, or held for a facilitator while the shown one stays."""

from __future__ import annotations

from datetime import datetime

from circlefed.domain.events import EditHeld, ReplyEdited, ThreadEdited
from circlefed.domain.revisions import apply_edit, propose_edit
from circlefed.domain.safety import Safety, check_posting_rate, screen_post
from circlefed.errors import Conflict
from circlefed.storage.models import Actor, Circle, Post, ReviewState, Thread


async def screen_edit(
    safety: Safety | None,
    circle: Circle,
    thread: Thread,
    row: Thread | Post,
    author: Actor,
    fields: dict,
    text: str,
    now: datetime,
) -> ThreadEdited | ReplyEdited | EditHeld | None:
    """SPEC: issue 15 one content pipeline: content rules refuse (403) or hold an edit as they would a new post,
    crisis language holds it, and a local account's edits count against its posting rate. A held edit of a
    shown post waits as a proposal (domain/revisions.py) and the shown text stays; a post that is itself
    waiting takes the edit at once, and its facilitators read the earlier text and every reason."""
    if row.review_state is ReviewState.REJECTED:
        raise Conflict("a facilitator declined this post: it can no longer be edited")
    narrower = fields.pop("audience", None)  # a copy's audience only ever narrows: at once, whatever is decided
    if narrower is not None and narrower != row.audience:
        row.audience = narrower
        await row.save(update_fields=["audience"])
    if "language" in fields:  # what language the text is in, not text: no review, no revision
        row.language = fields.pop("language")
        await row.save(update_fields=["language"])
    if not fields:
        return None
    safety = safety or Safety()
    check_posting_rate(safety, author)
    screening = await screen_post(safety, circle, author, text, warning=fields.get("content_warning") or "")
    if row.review_state is ReviewState.VISIBLE and screening.is_held:
        await propose_edit(row, author, fields, screening, now)
        return EditHeld(circle, thread, row if isinstance(row, Post) else None, author, screening)
    await apply_edit(row, fields, now)
    if screening.is_held and screening.reason and screening.reason not in (row.review_reason or ""):
        row.review_reason = "; ".join(filter(None, [row.review_reason, screening.reason]))
        await row.save(update_fields=["review_reason"])
    if isinstance(row, Thread):
        return ThreadEdited(circle, row, author, screening)
    return ReplyEdited(circle, thread, row, author, screening)
