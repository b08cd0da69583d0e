"""A reusable world for the confidentiality property test: one instance, two fake remotes, fresh rows."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp

from circlefed.domain import replies, threads
from circlefed.domain.pseudonyms import PREFIX as PSEUDONYM_PREFIX
from circlefed.domain.pseudonyms import pseudonym_name
from circlefed.federation.actions import perform
from circlefed.protocol.httpsig_sign import sign_cavage
from circlefed.protocol.keys import generate_rsa_keypair
from circlefed.storage.models import (
    Actor,
    Circle,
    DomainAction,
    DomainRule,
    Instance,
    InstancePolicy,
    Membership,
    MembershipState,
    OutboxActivity,
    Role,
    TrustedInstance,
    Visibility,
)
from circlefed.web.keys import CLOCK, FEDERATION, SITE
from tests.factories import PASSWORD, member_account

LOCAL_PEOPLE = ("kestrelfac", "heronmem", "ploverout")  # facilitator, member, logged-in non-member
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
REMOTE_PEOPLE = {"rmember": "R1", "rstranger": "R1", "rinstance": "R1", "omember": "R2", "oinstance": "R2"}
MEMBER_KEYS = ("kestrelfac", "heronmem", "rmember", "omember")
VIEWERS = ("anonymous", "ploverout", "heronmem", "kestrelfac", "rmember", "rstranger", "rinstance", "oinstance")
_counter = itertools.count(1)


def serve_nodeinfo(remote) -> None:
    index = {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": f"{remote.base_url}/ni"}]}
    remote.extra_documents["/.well-known/nodeinfo"] = (200, "application/json", json.dumps(index).encode())
    document = {"version": "2.1", "software": {"name": "circlefed", "version": "1"}}
    remote.extra_documents["/ni"] = (200, "application/json", json.dumps(document).encode())


class Pool:
    """Not a dataclass: hypothesis prints the fixtures of a failing example, and these hold private keys."""

    def __init__(self, instance, remotes: dict, fakes: dict, group_keys: tuple[str, str]) -> None:
        self.instance = instance
        self.remotes = remotes  # "R1", "R2" -> FakeRemote
        self.fakes = fakes  # remote key -> FakeActor
        self.actors: dict[str, Actor] = {}  # every key -> its row on the instance
        self.group_keys = group_keys

    def __repr__(self) -> str:
        return f"Pool({self.instance.base_url})"

    def domain(self, key: str) -> str:
        return self.remotes[REMOTE_PEOPLE[key]].domain

    def forms_of(self, key: str, built: list[Built]) -> set[str]:
        """Every form in which this person can appear on a page or in a document: a local person's account name
        (their handle), actor URI, display name and every per-circle pseudonym (m_<hex>, "Member xxxxxx"); a remote
        person's actor URI, name, display name, `name@domain` and `name · domain` (how pages show remote people)."""
        if key in self.fakes:
            fake, domain = self.fakes[key], self.domain(key)
            return {fake.uri, fake.name, fake.document["name"], f"{fake.name}@{domain}", f"{fake.name} · {domain}"}
        actor = self.actors[key]
        forms = {key, actor.uri, actor.display_name or key}
        for item in built:
            forms.update(item.pseudonyms.get(key, ()))
        return forms


@dataclass
class CircleSpec:
    visibility: str
    members: dict[str, str]  # key -> member | facilitator | pending
    threads: int
    replies: int

    def approved(self) -> set[str]:
        return {key for key, role in self.members.items() if role != "pending"}


@dataclass
class WorldSpec:
    circles: list[CircleSpec]
    trusted: set[str]
    software: dict[str, str | None]
    untrusted_software: bool
    share_real_names: bool
    blocked_r2: bool
    viewer: str


@dataclass
class Built:
    slug: str
    spec: CircleSpec
    tokens: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)  # content URLs: objects, their collections, activities
    # local member key -> the pseudonym's actor name and display name in this circle (members circles only)
    pseudonyms: dict[str, tuple[str, str]] = field(default_factory=dict)


def may_read(spec: CircleSpec, world: WorldSpec, viewer: str) -> bool:
    """The oracle, written from PROTOCOL.md independently of the code under test."""
    if spec.visibility == "public":
        return True
    approved = spec.approved()
    if viewer in LOCAL_PEOPLE:
        return viewer in approved
    if viewer == "anonymous" or spec.visibility == "local":
        return False
    server = REMOTE_PEOPLE[viewer]
    if server == "R2" and world.blocked_r2:
        return False
    if server not in world.trusted:
        return False
    if not world.untrusted_software and world.software[server] != "circlefed":
        return False
    if viewer in ("rinstance", "oinstance"):
        return any(REMOTE_PEOPLE.get(key) == server for key in approved)
    return viewer in approved


async def build_pool(instance, r1, r2) -> Pool:
    serve_nodeinfo(r1)
    serve_nodeinfo(r2)
    fakes = {}
    for key, server in REMOTE_PEOPLE.items():
        remote = r1 if server == "R1" else r2
        fakes[key] = remote.add_actor(key, actor_type="Application" if key.endswith("instance") else "Person")
    pool = Pool(instance, {"R1": r1, "R2": r2}, fakes, generate_rsa_keypair())
    with instance.db():
        for name in LOCAL_PEOPLE:
            account = await member_account(instance.app[SITE], name)
            pool.actors[name] = await account.actor
        for key, fake in fakes.items():
            pool.actors[key] = await instance.app[FEDERATION].remote_actors.by_uri(fake.uri)
    return pool


async def _circle(pool: Pool, slug: str, visibility: str) -> Circle:
    """A local circle without generating a key pair (the pool's Group key is shared: tests only)."""
    site = pool.instance.app[SITE]
    uri = site.uris.circle(slug)
    local = await Instance.get(is_local=True)
    private_pem, public_pem = pool.group_keys
    actor = await Actor.create(
        uri=uri, type="Group", instance=local, is_local=True, local_name=slug, preferred_username=slug,
        display_name=slug, url=uri, inbox_uri=site.uris.inbox(uri), shared_inbox_uri=site.uris.shared_inbox(),
        outbox_uri=site.uris.outbox(uri), followers_uri=site.uris.followers(uri), public_key_id=site.uris.key_id(uri),
        public_key_pem=public_pem, private_key_pem=private_pem,
    )
    return await Circle.create(
        actor=actor, slug=slug, name=f"Circle {slug}", visibility=Visibility(visibility),
        requires_approval=visibility != "public",
    )


async def build_world(pool: Pool, world: WorldSpec, built: list[Built]) -> None:
    """Write the example's rows into `built` as they are made (call inside the instance's database binding;
    clear_world(built) afterwards, also when this fails half-way)."""
    await _policy(pool, world)
    # Rows, not rate limits, are under test here: the same accounts post many times a second.
    site = dataclasses.replace(pool.instance.app[SITE], safety=type(pool.instance.app[SITE].safety)())
    now = pool.instance.app[CLOCK].now()
    for spec in world.circles:
        slug = f"c{next(_counter)}"
        built.append(Built(slug, spec))  # cleared even if what follows fails
        row = await _circle(pool, slug, spec.visibility)
        for key, role in spec.members.items():
            await Membership.create(
                circle=row, actor=pool.actors[key],
                role=Role.FACILITATOR if role == "facilitator" else Role.MEMBER,
                state=MembershipState.PENDING if role == "pending" else MembershipState.APPROVED,
            )
        item = built[-1]
        if row.visibility is Visibility.MEMBERS:
            for key in spec.members:
                if key in LOCAL_PEOPLE:
                    name = await pseudonym_name(row, pool.actors[key])
                    item.pseudonyms[key] = (name, f"Member {name[len(PSEUDONYM_PREFIX) : len(PSEUDONYM_PREFIX) + 6]}")
            item.tokens += [form for forms in item.pseudonyms.values() for form in forms]
        authors = [pool.actors[key] for key in ("kestrelfac", "heronmem") if key in spec.approved()]
        for number in range(spec.threads if authors else 0):
            token = f"zq{slug}t{number}x"
            item.tokens += [f"{token}title", f"{token}body"]
            started = await perform(
                site, threads.start_thread(site, row, authors[number % len(authors)], title=f"{token}title",
                                           source=f"{token}body", now=now), now=now,
            )
            item.urls += [started.thread.uri, f"{started.thread.uri}/context", f"{started.thread.uri}/replies"]
            for reply_number in range(spec.replies):
                body = f"{token}reply{reply_number}"
                item.tokens.append(body)
                posted = await perform(
                    site, replies.reply(site, started.thread, authors[reply_number % len(authors)], source=body,
                                        now=now), now=now,
                )
                item.urls.append(posted.post.uri)
        activities = await OutboxActivity.filter(circle=row).order_by("id").limit(3).values_list("uri", flat=True)
        item.urls += list(activities)


async def _policy(pool: Pool, world: WorldSpec) -> None:
    policy = await InstancePolicy.all().first() or await InstancePolicy.create()
    policy.share_real_names = world.share_real_names
    policy.members_circles_to_untrusted_software = world.untrusted_software
    await policy.save()
    for server in world.trusted:
        await TrustedInstance.create(domain=pool.remotes[server].domain)
    for server, software in world.software.items():
        await Instance.filter(domain=pool.remotes[server].domain).update(software=software)
    if world.blocked_r2:
        await DomainRule.create(domain=pool.remotes["R2"].domain, action=DomainAction.BLOCK)
    pool.instance.app[FEDERATION].domain_gate.invalidate()


async def clear_world(pool: Pool, built: list[Built]) -> None:
    """Remove the example's rows: circle actors cascade to circles, memberships, posts, activities, deliveries."""
    await Actor.filter(local_name__in=[item.slug for item in built]).delete()
    await TrustedInstance.all().delete()
    await DomainRule.all().delete()
    await InstancePolicy.all().update(share_real_names=False, members_circles_to_untrusted_software=False)
    pool.instance.app[FEDERATION].domain_gate.invalidate()


def headers_for(pool: Pool, viewer: str, url: str) -> dict[str, str]:
    """AS2 request headers of the viewer: unsigned for the anonymous, signed now with the viewer's key else."""
    base = {"Accept": "application/activity+json", "X-Request-Id": "probe"}
    if viewer == "anonymous":
        return base
    if viewer in pool.fakes:
        key_id, pem = pool.fakes[viewer].key_id, pool.fakes[viewer].private_pem
    else:
        key_id, pem = pool.actors[viewer].public_key_id, pool.actors[viewer].private_key_pem
    signed = sign_cavage(method="GET", url=url, headers={"Accept": base["Accept"]}, body=None, key_id=key_id,
                         private_key_pem=pem, now=datetime.now(UTC))
    return {**base, **signed}


async def signed_in_browsers(pool: Pool) -> dict[str, aiohttp.ClientSession]:
    """One cookie-keeping HTTP session per local person, signed in through the real login form."""
    browsers = {}
    for name in LOCAL_PEOPLE:
        browser = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))  # unsafe: an IP-address host
        browsers[name] = browser
        base = pool.instance.base_url
        async with browser.get(f"{base}/login", headers={"Accept": "text/html"}) as response:
            token = _CSRF.search(await response.text()).group(1)
        form = {"csrf_token": token, "username": name, "password": PASSWORD}
        async with browser.post(f"{base}/login", data=form, allow_redirects=False) as response:
            assert response.status == 303, f"{name} could not sign in: {response.status}"
    return browsers
