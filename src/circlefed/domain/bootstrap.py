"""Domain: first-run setup of a new instance: the first admin account and a sample public circle."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from circlefed.domain.accounts import create_account
from circlefed.domain.actors import instance_actor
from circlefed.domain.circles import create_circle
from circlefed.domain.passwords import random_password
from circlefed.domain.site import Site
from circlefed.storage.models import Account, Visibility

SAMPLE_CIRCLE_RULES = "Share from your own experience. What is said here stays here. Listen before advising."


@dataclass(frozen=True)
class FirstRun:
    admin_name: str
    admin_password: str
    circle_slug: str


async def bootstrap_new_instance(site: Site) -> FirstRun | None:
    """On a database with no accounts, create admin + sample circle; None when the instance already exists."""
    if await Account.exists():
        return None
    password = random_password()
    async with in_transaction():
        await instance_actor(site.uris, site.domain, site.name)
        admin = await create_account(site, "admin", password, is_admin=True)
        circle = await create_circle(
            site,
            "welcome",
            "Welcome circle",
            visibility=Visibility.PUBLIC,
            description="A first, public circle to try circlefed.",
            facilitator=await admin.actor,
        )
        circle.rules_source = SAMPLE_CIRCLE_RULES
        await circle.save(update_fields=["rules_source"])
    return FirstRun(admin_name="admin", admin_password=password, circle_slug=circle.slug)
