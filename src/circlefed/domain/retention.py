"""Domain: a circle's retention period: threads and replies older than it are deleted (Tombstones stay)."""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import Q

from circlefed.storage.models import Circle, Post, Thread

# Rows per pass: a first run on a large old circle is spread over several runs of the job.
EXPIRY_BATCH = 500


async def expire_posts(circle: Circle, cutoff: datetime, now: datetime) -> list[Thread | Post]:
    """Soft-delete the circle's threads published at or before `cutoff` (with every reply in them) and its
    replies published at or before it; returns the rows deleted, threads first (call in a transaction)."""
    threads = (
        await Thread.filter(circle_id=circle.id, deleted_at__isnull=True, published_at__lte=cutoff)
        .order_by("id")
        .limit(EXPIRY_BATCH)
    )
    thread_ids = [thread.id for thread in threads]
    replies = (
        await Post.filter(
            Q(published_at__lte=cutoff) | Q(thread_id__in=thread_ids or [0]),
            thread__circle_id=circle.id,
            deleted_at__isnull=True,
        )
        .order_by("id")
        .limit(EXPIRY_BATCH)
    )
    if thread_ids:
        await Thread.filter(id__in=thread_ids).update(
            deleted_at=now, title="", content_html="", source="", content_warning=None
        )
    if replies:
        await Post.filter(id__in=[reply.id for reply in replies]).update(
            deleted_at=now, content_html="", source="", content_warning=None
        )
    for row in (*threads, *replies):
        row.deleted_at = now
    return [*threads, *replies]
