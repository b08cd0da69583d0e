"""Test helper of the stateful leak test (issue 14): what each instance stores after a step, read from its database
only to know which URLs exist (circles, copies, threads, replies, activities), what was federated to it (inbox
items) and which pseudonymous names it made; who may see any of it is the oracle's business, never the store's."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from circlefed.domain.pseudonyms import pseudonym_name
from circlefed.storage.models import Actor, Circle, InboxItem, Membership, OutboxActivity, Post, Thread

MARKER = re.compile(r"zq[mr]\d+x")


@dataclass
class Stored:
    """One instance's rows of the example's circles, keyed by circle key ("x1", "y1", ...)."""

    local: dict[str, str] = field(default_factory=dict)  # circle key -> slug (circles hosted here)
    copies: dict[str, int] = field(default_factory=dict)  # circle key -> id of the copy row here
    threads: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # circle key -> (id, uri)
    posts: dict[str, list[str]] = field(default_factory=dict)  # circle key -> reply uris
    activities: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # circle key -> (id, uri)
    markers: set[str] = field(default_factory=set)  # every marker in a stored thread or reply here
    inbox: list[tuple[int, str]] = field(default_factory=list)  # (id, payload text) of new inbox items
    labels: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (person, circle) -> names
    # For a failure's report only: each copy's level and its people's standing here, each thread's state here.
    copy_states: dict[str, str] = field(default_factory=dict)  # circle key -> "visibility; person: state, ..."
    thread_states: dict[str, str] = field(default_factory=dict)  # thread uri -> "audience, review, deleted"


async def read_stored(instance, group_keys: dict[str, str], people: dict[str, str], after_inbox: int) -> Stored:
    """`group_keys`: Group URI -> circle key; `people`: actor URI -> person; inbox items after id `after_inbox`."""
    stored = Stored()
    with instance.db():
        by_id: dict[int, str] = {}
        for row in await Circle.all().select_related("actor"):
            key = group_keys.get(row.actor.uri)
            if key is None:
                continue
            by_id[row.id] = key
            if row.is_local:
                stored.local[key] = row.slug
            else:
                stored.copies[key] = row.id
        ids = list(by_id) or [0]
        thread_circle: dict[int, str] = {}
        for tid, uri, circle_id, title, html, source, audience, review, deleted in await Thread.filter(
            circle_id__in=ids
        ).values_list("id", "uri", "circle_id", "title", "content_html", "source", "audience", "review_state",
                      "deleted_at"):
            thread_circle[tid] = by_id[circle_id]
            stored.thread_states[uri] = f"audience {audience}, {review}, {'deleted' if deleted else 'live'}"
            stored.threads.setdefault(by_id[circle_id], []).append((tid, uri))
            stored.markers.update(MARKER.findall(f"{title} {html} {source}"))
        for uri, thread_id, html, source in await Post.filter(thread_id__in=list(thread_circle) or [0]).values_list(
            "uri", "thread_id", "content_html", "source"
        ):
            stored.posts.setdefault(thread_circle[thread_id], []).append(uri)
            stored.markers.update(MARKER.findall(f"{html} {source}"))
        for aid, uri, circle_id in await OutboxActivity.filter(circle_id__in=ids).values_list("id", "uri", "circle_id"):
            stored.activities.setdefault(by_id[circle_id], []).append((aid, uri))
        for item_id, payload in await InboxItem.filter(id__gt=after_inbox).values_list("id", "payload"):
            stored.inbox.append((item_id, json.dumps(payload, ensure_ascii=False)))
        await _labels(stored, by_id, people)
        await _copy_states(stored, by_id, people)
    return stored


async def _copy_states(stored: Stored, by_id: dict[int, str], people: dict[str, str]) -> None:
    copies = {cid: key for cid, key in by_id.items() if key in stored.copies}
    if not copies:
        return
    levels = dict(await Circle.filter(id__in=list(copies)).values_list("id", "visibility"))
    standing: dict[int, list[str]] = {}
    for circle_id, uri, state in await Membership.filter(circle_id__in=list(copies)).values_list(
        "circle_id", "actor__uri", "state"
    ):
        standing.setdefault(circle_id, []).append(f"{people.get(uri, uri)}: {state}")
    for circle_id, key in copies.items():
        stored.copy_states[key] = f"{levels[circle_id]}; " + ", ".join(sorted(standing.get(circle_id, [])))


async def _labels(stored: Stored, by_id: dict[int, str], people: dict[str, str]) -> None:
    """Pseudonymous names this instance made for its members in circles it hosts: the m_<hex> actor (its URI and
    name) and the generated "Member xxxxxx" label."""
    local_ids = [cid for cid, key in by_id.items() if key in stored.local]
    if not local_ids:
        return
    rows = await Membership.filter(circle_id__in=local_ids, actor__is_local=True).select_related("actor", "circle")
    for row in rows:
        person = people.get(row.actor.uri)
        if person is None:
            continue
        name = await pseudonym_name(row.circle, row.actor)
        made = await Actor.get_or_none(local_name=name)
        labels = {name, f"Member {name[2:8]}"} if made is not None else set()
        if row.pseudonym and row.pseudonym.startswith("Member "):
            labels.add(row.pseudonym)
        if labels:
            stored.labels[(person, by_id[row.circle_id])] = labels
