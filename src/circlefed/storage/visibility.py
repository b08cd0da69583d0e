"""Storage: content hidden by domain rules: blocked domains' everywhere, silenced domains' from public listings."""

from __future__ import annotations

import functools
import operator
from typing import TypeVar

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from circlefed.storage.models import Actor, DomainAction, DomainRule, Instance, Post, Thread

Row = TypeVar("Row", Thread, Post)


async def hidden_domains(*, public: bool) -> list[str]:
    """Domains (as their rules name them) whose content is hidden: blocked ones, and silenced ones when public."""
    actions = [DomainAction.BLOCK, DomainAction.SILENCE] if public else [DomainAction.BLOCK]
    return list(await DomainRule.filter(action__in=actions).values_list("domain", flat=True))


def _covered_by(rule_domain: str) -> Q:
    """Instances a rule covers, as policy/domains.py matches them: a host with its subdomains and every port;
    a host:port rule covers that authority only. Rules are stored in canonical form (domain/federation_policy)."""
    domain = rule_domain.strip().lower()
    if ":" in domain:
        return Q(domain=domain)
    return (
        Q(domain=domain)
        | Q(domain__endswith=f".{domain}")
        | Q(domain__startswith=f"{domain}:")
        | Q(domain__contains=f".{domain}:")
    )


async def hidden_instance_ids(*, public: bool) -> list[int]:
    """Ids of remote instances whose threads and replies listings leave out (see hidden_domains)."""
    domains = await hidden_domains(public=public)
    if not domains:
        return []
    covered = functools.reduce(operator.or_, (_covered_by(domain) for domain in domains))
    return list(await Instance.filter(covered, is_local=False).values_list("id", flat=True))


def without_hidden(rows: QuerySet[Row], hidden: list[int]) -> QuerySet[Row]:
    """rows without those by authors of the given hidden_instance_ids (read them once per request)."""
    return rows.exclude(author__instance_id__in=hidden) if hidden else rows


async def visible_threads(threads: QuerySet[Thread], *, public: bool) -> QuerySet[Thread]:
    """threads without those by authors of hidden instances; public=True for listings anyone can see."""
    return without_hidden(threads, await hidden_instance_ids(public=public))


async def visible_posts(posts: QuerySet[Post], *, public: bool) -> QuerySet[Post]:
    """posts without those by authors of hidden instances; public=True for listings anyone can see."""
    return without_hidden(posts, await hidden_instance_ids(public=public))


async def is_hidden_author(actor_id: int, *, public: bool = False) -> bool:
    """Whether an author's content is hidden: on a blocked domain (or a silenced one when public)."""
    hidden = await hidden_instance_ids(public=public)
    return bool(hidden) and await Actor.filter(id=actor_id, instance_id__in=hidden).exists()
