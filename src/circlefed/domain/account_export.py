"""Domain: a member's data export: everything they wrote here and the circles they belong to, as plain data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from circlefed.storage.models import Account, CircleName, Membership, Post, Report, Thread


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


async def export_account(account: Account, *, now: datetime) -> dict[str, Any]:
    """The member's account, memberships, threads, replies and reports (deleted posts have no text left)."""
    actor_id = account.actor_id  # type: ignore[attr-defined]
    return {
        "exported_at": _when(now),
        "account": {
            "username": account.username,
            "email": account.email,  # private: only the member sees it (password links by e-mail)
            "created_at": _when(account.created_at),
            "is_admin": account.is_admin,
        },
        "memberships": await _memberships(actor_id),
        "names_chosen": await _names_chosen(actor_id),
        "threads": await _threads(actor_id),
        "replies": await _replies(actor_id),
        "reports": await _reports(actor_id),
    }


async def _memberships(actor_id: int) -> list[dict[str, Any]]:
    rows = await Membership.filter(actor_id=actor_id).prefetch_related("circle__actor").order_by("created_at", "id")
    return [
        {
            "circle": {"name": m.circle.name, "slug": m.circle.slug, "uri": m.circle.actor.uri},
            "role": m.role.value,
            "state": m.state.value,
            "pseudonym": m.pseudonym,
            "joined_at": _when(m.created_at),
            "rules_acknowledged_at": _when(m.rules_acknowledged_at),
        }
        for m in rows
    ]


async def _names_chosen(actor_id: int) -> list[dict[str, Any]]:
    """Names chosen per circle, kept also for circles the person left (they come back on joining again)."""
    rows = await CircleName.filter(actor_id=actor_id).prefetch_related("circle").order_by("id")
    return [{"circle": row.circle.slug, "name": row.name} for row in rows]


async def _threads(actor_id: int) -> list[dict[str, Any]]:
    rows = await Thread.filter(author_id=actor_id, deleted_at__isnull=True).prefetch_related("circle").order_by("id")
    return [
        {
            "uri": t.uri,
            "circle": t.circle.slug,
            "title": t.title,
            **_writing(t),
        }
        for t in rows
    ]


async def _replies(actor_id: int) -> list[dict[str, Any]]:
    rows = (
        await Post.filter(author_id=actor_id, deleted_at__isnull=True).prefetch_related("thread__circle").order_by("id")
    )
    return [
        {
            "uri": p.uri,
            "thread": p.thread.uri,
            "circle": p.thread.circle.slug,
            "in_reply_to": p.in_reply_to_uri,
            **_writing(p),
        }
        for p in rows
    ]


def _writing(row: Thread | Post) -> dict[str, Any]:
    """What a thread and a reply have in common: the member's text and its review state and times."""
    return {
        "source": row.source,
        "content_warning": row.content_warning,
        "review_state": row.review_state.value,
        "published_at": _when(row.published_at),
        "edited_at": _when(row.edited_at),
    }


async def _reports(actor_id: int) -> list[dict[str, Any]]:
    rows = await Report.filter(reporter_id=actor_id).order_by("id")
    return [
        {"object": r.object_uri, "reason": r.reason, "state": r.state.value, "created_at": _when(r.created_at)}
        for r in rows
    ]
