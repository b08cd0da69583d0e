"""Storage: the usage counts NodeInfo publishes, computed so that confidential circles never show in them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.functions import Max
from tortoise.queryset import QuerySet

from circlefed.protocol.nodeinfo import NodeUsage
from circlefed.storage.models import Account, Post, ReviewState, Thread, Visibility

ACTIVE_MONTH = timedelta(days=30)
ACTIVE_HALFYEAR = timedelta(days=180)


async def nodeinfo_usage(now: datetime) -> NodeUsage:
    """Users, active users and local posts as NodeInfo 2.1 reports them.

    - users: enabled local accounts.
    - active: enabled accounts that started a thread or replied in a *public* local circle within the window.
      Deliberately not last_login_at: a login count would move when someone uses only a members or local
      circle, and a public number must not reveal activity in confidential circles (PROTOCOL.md attack 15).
    - localPosts: threads and replies by local authors in public local circles, deleted and held ones (and replies in
      deleted or held threads) excluded. Posts in remote circles are left out: their visibility is the peer's claim.
    """
    last_posts = await _last_public_post_by_author(since=now - ACTIVE_HALFYEAR)
    enabled = Account.filter(is_disabled=False, actor_id__in=list(last_posts))
    active = set(await enabled.values_list("actor_id", flat=True)) if last_posts else set()
    return NodeUsage(
        users_total=await Account.filter(is_disabled=False).count(),
        active_month=sum(1 for author in active if last_posts[author] >= now - ACTIVE_MONTH),
        active_halfyear=len(active),
        local_posts=await _public_threads().count() + await _public_replies().count(),
    )


def _public_threads() -> QuerySet[Thread]:
    return Thread.filter(
        circle__is_local=True,
        circle__visibility=Visibility.PUBLIC,
        audience=Visibility.PUBLIC,  # written in public too: a post from a confidential past is not counted
        author__is_local=True,
        deleted_at__isnull=True,
        review_state=ReviewState.VISIBLE,
    )


def _public_replies() -> QuerySet[Post]:
    return Post.filter(
        thread__circle__is_local=True,
        thread__circle__visibility=Visibility.PUBLIC,
        audience=Visibility.PUBLIC,
        thread__deleted_at__isnull=True,
        thread__review_state=ReviewState.VISIBLE,
        author__is_local=True,
        deleted_at__isnull=True,
        review_state=ReviewState.VISIBLE,
    )


async def _last_public_post_by_author(since: datetime) -> dict[int, datetime]:
    """Author actor id -> when they last started a thread or replied in a public local circle, since `since`."""
    last: dict[int, datetime] = {}
    for rows in (_public_threads(), _public_replies()):
        latest = rows.filter(published_at__gte=since).annotate(latest=Max("published_at")).group_by("author_id")
        for author, published in await latest.values_list("author_id", "latest"):
            published = _aware(published)
            last[author] = max(published, last.get(author, published))
    return last


def _aware(moment: datetime | str) -> datetime:
    """An aggregate's datetime as the backends return it (SQLite: text without a zone; read as UTC)."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
