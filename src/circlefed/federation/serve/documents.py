"""Federation: the AS2 documents of stored threads and replies (Page, Note, Tombstone) and circle addressing."""

from __future__ import annotations

import html

from circlefed.domain.content import title_with_cw
from circlefed.domain.mentions import mentioned_people
from circlefed.domain.pseudonyms import attributed_actor, uses_pseudonyms
from circlefed.domain.read_rule import row_level
from circlefed.domain.site import Site
from circlefed.federation.lookup import find_post
from circlefed.protocol.objects import Audience, Mentioned, PostDocument, render_post, render_tombstone
from circlefed.protocol.parse import authority
from circlefed.storage.models import Actor, Circle, Post, Thread, Visibility


async def circle_actor(circle: Circle) -> Actor:
    return await Actor.get(id=circle.actor_id)


async def audience_of(circle: Circle, level: Visibility | None = None) -> Audience:
    """The addressing of the circle's activities at `level` (a row's level now: domain/read_rule.row_level;
    the circle's own level by default): Public only when that is public."""
    actor = await circle_actor(circle)
    return Audience(
        circle_uri=actor.uri,
        followers_uri=actor.followers_uri or f"{actor.uri}/followers",
        circle_handle=f"@{actor.preferred_username}@{authority(actor.uri)}",
        is_public=(level or circle.visibility) is Visibility.PUBLIC,
    )


def is_local_uri(site: Site, uri: str) -> bool:
    return uri.startswith(f"{site.uris.base}/")


def context_uri(site: Site, thread: Thread) -> str:
    """FEP-7888: our threads serve a context collection; for a remote thread the thread itself is the context."""
    return f"{thread.uri}/context" if is_local_uri(site, thread.uri) else thread.uri


def replies_uri(site: Site, uri: str) -> str | None:
    return f"{uri}/replies" if is_local_uri(site, uri) else None


async def thread_document(site: Site, thread: Thread) -> PostDocument:
    circle = await Circle.get(id=thread.circle_id)
    author = await attributed_actor(site, circle, await Actor.get(id=thread.author_id), level=thread.audience)
    return PostDocument(
        uri=thread.uri,
        author_uri=author.uri,
        audience=await audience_of(circle, row_level(circle, thread.audience)),
        content_html=thread.content_html,
        source=thread.source,
        published=thread.published_at,
        updated=thread.edited_at,
        context_uri=context_uri(site, thread),
        # SPEC: PROTOCOL.md trigger warnings: in `summary` and as a `[CW: …]` title prefix, never `sensitive`.
        title=title_with_cw(thread.title, thread.content_warning),
        content_warning=thread.content_warning,
        replies_uri=replies_uri(site, thread.uri),
        mentions=await _mention_tags(site, circle, thread),
    )


async def reply_document(site: Site, post: Post) -> PostDocument:
    thread = await Thread.get(id=post.thread_id)
    circle = await Circle.get(id=thread.circle_id)
    author = await attributed_actor(site, circle, await Actor.get(id=post.author_id), level=post.audience)
    content = post.content_html
    if post.content_warning:
        # Peers that ignore `summary` (Lemmy, PieFed, NodeBB) still show the warning as the first line.
        content = f"<p>[CW: {html.escape(post.content_warning)}]</p>{content}"
    return PostDocument(
        uri=post.uri,
        author_uri=author.uri,
        audience=await audience_of(circle, row_level(circle, post.audience)),
        replying_to=await _answered_author(site, circle, post, author),
        content_html=content,
        source=post.source,
        published=post.published_at,
        updated=post.edited_at,
        context_uri=context_uri(site, thread),
        in_reply_to=post.in_reply_to_uri,
        content_warning=post.content_warning,
        mentions=await _mention_tags(site, circle, post),
    )


async def _answered_author(site: Site, circle: Circle, post: Post, author: Actor) -> Mentioned | None:
    """The author of the post this reply answers, as that post names them (their pseudonym where it shows one):
    Mastodon-like servers notify and thread a reply that mentions who it answers. None for an answer to
    oneself, or to a post not stored here."""
    parent = await find_post(post.in_reply_to_uri)
    if parent is None or parent.author_id == post.author_id:  # type: ignore[attr-defined]
        return None
    parent_author = await Actor.get_or_none(id=parent.author_id)  # type: ignore[attr-defined]
    if parent_author is None:
        return None
    shown = await attributed_actor(site, circle, parent_author, level=parent.audience)
    if shown.uri == author.uri:
        return None
    handle = f"@{shown.preferred_username}@{authority(shown.uri)}" if shown.preferred_username else None
    return Mentioned(uri=shown.uri, handle=handle)


async def _mention_tags(site: Site, circle: Circle, row: Thread | Post) -> tuple[Mentioned, ...]:
    """The people a local post names, as the receiving side may know them: a remote person as themselves; a
    member a public circle shows by their username as their Person; in a confidential circle a member's per-circle
    pseudonym, never their Person (none while real names are shared); a member shown by a name of their own in a
    public circle by nobody (the post links them nowhere either)."""
    if not is_local_uri(site, row.uri):
        return ()
    confidential = uses_pseudonyms(circle, row.audience)
    tags = []
    for who, actor in await mentioned_people(circle, row):
        if not actor.is_local:
            tags.append(Mentioned(uri=actor.uri, handle=f"@{who.label}"))
            continue
        if not confidential and who.href is None:
            continue
        shown = await attributed_actor(site, circle, actor, level=row.audience)
        if confidential and shown.uri == actor.uri:
            continue
        tags.append(Mentioned(uri=shown.uri, handle=f"@{shown.preferred_username}@{authority(shown.uri)}"))
    return tuple(tags)


async def object_document(site: Site, row: Thread | Post, *, context: bool = True) -> dict:
    """The Page/Note of a live row, or its Tombstone once deleted."""
    former = "Page" if isinstance(row, Thread) else "Note"
    if row.deleted_at is not None:
        return render_tombstone(row.uri, former, row.deleted_at, context=context)
    document = await (thread_document(site, row) if isinstance(row, Thread) else reply_document(site, row))
    return render_post(document, context=context)
