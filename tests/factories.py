"""Test data, built one way for the whole suite: the test password, sites, accounts, remote actors, circles, threads."""

from __future__ import annotations

from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from circlefed.domain.accounts import create_account
from circlefed.domain.circles import create_circle
from circlefed.domain.site import Site
from circlefed.domain.threads import start_thread
from circlefed.protocol.keys import generate_rsa_keypair
from circlefed.services import posting
from circlefed.storage.models import (
    Account,
    Actor,
    Circle,
    Instance,
    Membership,
    MembershipState,
    Role,
    Thread,
    Visibility,
)

PASSWORD = "correct horse battery staple"  # every test account's, typed into the real forms and the CLI
NEW_PASSWORD = "a brand new long password"  # what a member changes theirs to, or sets through a password link
SITE = Site.for_base_url("http://127.0.0.1:8080", "127.0.0.1:8080", "test")  # the default settings' instance


def site_of(settings) -> Site:
    """The Site of an instance under test, from its settings."""
    return Site.for_base_url(settings.instance.base_url, settings.instance.domain, settings.instance.name)


# --- people ---


async def member_account(site: Site, name: str, *, is_admin: bool = False) -> Account:
    """A local account signing in with PASSWORD, made as the product makes one (with its Person actor)."""
    return await create_account(site, name, PASSWORD, is_admin=is_admin)


async def local_person(site: Site, name: str, *, is_admin: bool = False) -> Actor:
    """The Person actor of a new local account (member_account)."""
    return await (await member_account(site, name, is_admin=is_admin)).actor


def ed25519_keypair() -> tuple[str, str]:
    """(private PEM, public PEM): Ed25519 signs in microseconds, which keeps big fan-outs fast in tests."""
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


async def local_actor(name: str = "robin", *, rsa: bool = False) -> Actor:
    """A local Person of SITE with a key pair and no account, to sign deliveries (RSA-2048 like real members, or
    Ed25519 for speed)."""
    private, public = generate_rsa_keypair() if rsa else ed25519_keypair()
    instance, _ = await Instance.get_or_create(domain=SITE.domain, defaults={"is_local": True})
    uri = SITE.uris.member(name)
    return await Actor.create(
        uri=uri,
        type="Person",
        instance=instance,
        is_local=True,
        local_name=name,
        preferred_username=name,
        inbox_uri=f"{uri}/inbox",
        public_key_id=f"{uri}#main-key",
        public_key_pem=public,
        private_key_pem=private,
    )


async def remote_instance(domain: str, **fields) -> Instance:
    """The row of a remote server, made once per domain (`fields` only when it is made)."""
    instance, _ = await Instance.get_or_create(domain=domain, defaults=fields)
    return instance


async def remote_person(name: str = "kim", domain: str = "social.example", **fields) -> Actor:
    """A Person of another server, known here as if fetched: https://<domain>/users/<name> with its inbox."""
    uri = f"https://{domain}/users/{name}"
    return await Actor.create(
        uri=uri,
        type="Person",
        instance=await remote_instance(domain),
        preferred_username=name,
        inbox_uri=f"{uri}/inbox",
        **fields,
    )


# --- circles ---


async def local_circle(
    site: Site,
    slug: str,
    facilitator: Actor | None,
    *,
    visibility: Visibility = Visibility.PUBLIC,
    name: str | None = None,
    description: str = "",
) -> Circle:
    """A circle hosted here, founded through the domain (its Group actor, key pair and facilitator)."""
    return await create_circle(
        site, slug, name or slug.title(), visibility=visibility, description=description, facilitator=facilitator
    )


async def remote_circle(
    slug: str = "hope", domain: str = "partner.example", *, visibility: Visibility = Visibility.PUBLIC
) -> Circle:
    """A circle of another server (https://<domain>/c/<slug>), known here as local members' joins store it."""
    uri = f"https://{domain}/c/{slug}"
    group = await Actor.create(
        uri=uri, type="Group", instance=await remote_instance(domain), preferred_username=slug, inbox_uri=f"{uri}/inbox"
    )
    return await Circle.create(actor=group, is_local=False, slug=slug, name=slug.title(), visibility=visibility)


async def approved_member(circle: Circle, actor: Actor, *, role: Role = Role.MEMBER) -> Actor:
    """The actor, now an approved member of the circle (the first version of its rules taken as read: standing.py)."""
    await Membership.create(circle=circle, actor=actor, role=role, state=MembershipState.APPROVED)
    return actor


# --- posts ---


async def started_thread(
    site: Site,
    circle: Circle,
    author: Actor,
    *,
    now: datetime,
    title: str = "Evenings",
    source: str = "Some words.",
    **fields,
) -> Thread:
    """A thread started through the domain (start_thread), nothing published."""
    started = await start_thread(site, circle, author, title=title, source=source, now=now, **fields)
    return started.thread


async def published_thread(
    site: Site, circle: Circle, author: Actor, *, now: datetime, title: str = "Evenings", source: str = "Some words."
) -> Thread:
    """A thread started as the app starts one (services/posting.py): the domain change and the activities it
    publishes, in one transaction."""
    started = await posting.start_thread(
        site, circle, author, title=title, source=source, content_warning=None, now=now
    )
    return started.thread
