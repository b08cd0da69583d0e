"""Property test that tries to break confidentiality: generated circles, memberships, posts, instance policies and
viewers; every public endpoint (HTML and AS2) is requested and no confidential title, body, author or member
may appear in any answer the viewer is not entitled to, in any form a person appears in (handle, actor URI,
display name, pseudonym, `name · domain`: confidential_world.Pool.forms_of).

SPEC: PROTOCOL.md confidential circles; attacks 15, 17, 21. CIRCLEFED_CONFIDENTIALITY_EXAMPLES sets the number
of generated cases on SQLite (default 500, the CI floor, in two halves: one in each process of `make test`),
CIRCLEFED_CONFIDENTIALITY_EXAMPLES_POSTGRES on PostgreSQL (default 150: the same rules over the other backend's
queries, at a third of the cost of a PostgreSQL run)."""

from __future__ import annotations

import json
import os
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circlefed.storage.models import Actor, Membership, Post, Thread, Visibility
from tests.conftest import POSTGRES_URL
from tests.untraced import coverage_paused

from .circles import start_quiet
from .confidential_world import (
    LOCAL_PEOPLE,
    MEMBER_KEYS,
    REMOTE_PEOPLE,
    VIEWERS,
    CircleSpec,
    WorldSpec,
    build_pool,
    build_world,
    clear_world,
    headers_for,
    may_read,
    signed_in_browsers,
)

pytestmark = [pytest.mark.storage, pytest.mark.slow]
NO_POSTGRES = "CIRCLEFED_TEST_DATABASE_URL is not set: the PostgreSQL run needs a server"
EXAMPLES = int(os.environ.get("CIRCLEFED_CONFIDENTIALITY_EXAMPLES", "500"))
POSTGRES_EXAMPLES = int(os.environ.get("CIRCLEFED_CONFIDENTIALITY_EXAMPLES_POSTGRES", "150"))
PROPERTY = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
}
HTML = {"Accept": "text/html", "X-Request-Id": "probe"}
SOFTWARE = [None, "circlefed", "mastodon", "nodebb", "piefed", "mbin"]
FACILITATOR_PAGES = ("", "/requests", "/held", "/reports", "/members", "/rules", "/settings", "/log")

circle_specs = st.builds(
    CircleSpec,
    visibility=st.sampled_from(["public", "members", "local"]),
    members=st.dictionaries(st.sampled_from(MEMBER_KEYS), st.sampled_from(["member", "facilitator", "pending"])),
    threads=st.integers(0, 2),
    replies=st.integers(0, 1),
)
worlds = st.builds(
    WorldSpec,
    circles=st.lists(circle_specs, min_size=1, max_size=2),
    trusted=st.sets(st.sampled_from(["R1", "R2"])),
    software=st.fixed_dictionaries({server: st.sampled_from(SOFTWARE) for server in ("R1", "R2")}),
    untrusted_software=st.booleans(),
    share_real_names=st.booleans(),
    blocked_r2=st.booleans(),
    viewer=st.sampled_from(VIEWERS),
)


@pytest.fixture
async def pool(start_instance, remote, http):
    from tests.fakes.remote import FakeRemote

    other = await FakeRemote().start()
    # Hundreds of generated posts by the same few accounts: no per-account rate limit here.
    instance = await start_quiet(start_instance, moderation={"account_posts_per_minute": 0})
    built = await build_pool(instance, remote, other)
    built.browsers = await signed_in_browsers(built)
    yield built
    for browser in built.browsers.values():
        await browser.close()
    await other.close()


def forbidden(world: WorldSpec, built, pool) -> set[str]:
    """Tokens (titles, bodies, the circle's pseudonyms) and every form of the people this viewer must never see."""
    viewer = world.viewer
    secrets: set[str] = set()
    for item in built:
        if not may_read(item.spec, world, viewer):
            # A person's own name in a circle is no secret from them (their account page shows it).
            secrets.update(set(item.tokens) - set(item.pseudonyms.get(viewer, ())))
    in_public = {key for item in built if item.spec.visibility == "public" for key in item.spec.members}
    for key in MEMBER_KEYS:
        circles = [item for item in built if key in item.spec.members]
        if not circles or key in in_public or key == viewer:
            continue
        if key in REMOTE_PEOPLE and viewer.endswith("instance") and REMOTE_PEOPLE[viewer] == REMOTE_PEOPLE[key]:
            continue  # is_follower answers an instance actor about its own instance's actors
        if not any(may_read(item.spec, world, viewer) for item in circles):
            secrets.update(pool.forms_of(key, built))
    return secrets


def missing_twin(url: str, base: str) -> str:
    """The same kind of URL naming nothing: a hidden answer must equal it byte for byte (attack 21)."""
    path = url.removeprefix(base)
    parts = path.split("/")
    parts[2] = "missing0" if not parts[2].startswith("missing") else parts[2]
    return base + "/".join(parts)


# Two halves of the SQLite cases, one in each of `make test`'s processes (the keyword `second_part` names the
# second, as for the stateful leak test).
@pytest.mark.parametrize("part", ["first_part", "second_part"])
@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
@settings(max_examples=(EXAMPLES + 1) // 2, **PROPERTY)
@given(world=worlds)
async def test_no_confidential_content_or_membership_leaks_to_anyone(pool, http, world, part):
    await _check_world(pool, http, world)


@pytest.mark.parametrize(
    "db_backend", [pytest.param("postgres", marks=pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES))],
    indirect=True,
)
@settings(max_examples=POSTGRES_EXAMPLES, **PROPERTY)
@given(world=worlds)
async def test_no_confidential_content_or_membership_leaks_to_anyone_on_postgresql(pool, http, world):
    await _check_world(pool, http, world)


async def _check_world(pool, http, world) -> None:
    with coverage_paused():  # the cases repeat paths the rest of the suite measures, at a third more cost traced
        await _build_and_probe(pool, http, world)


async def _build_and_probe(pool, http, world) -> None:
    instance = pool.instance
    built: list = []
    try:
        with instance.db():
            await build_world(pool, world, built)
            await _pseudonyms_are_the_ones_computed(pool, built)
        await _probe(pool, http, world, built)
    finally:
        with instance.db():
            await clear_world(pool, built)


async def _pseudonyms_are_the_ones_computed(pool, built) -> None:
    """The control of the pseudonym secrets: each pseudonym the instance made is one the secret set names."""
    for item in built:
        rows = await Membership.filter(circle__slug=item.slug, pseudonym__isnull=False).prefetch_related("actor")
        made = {row.actor.local_name: row.pseudonym for row in rows}
        for key, display in made.items():
            assert item.pseudonyms[key][1] == display, (item.slug, key, display)
            assert await Actor.exists(local_name=item.pseudonyms[key][0], is_local=True), (item.slug, key)


async def _probe(pool, http, world, built) -> None:
    base = pool.instance.base_url
    secrets = forbidden(world, built, pool)
    shown: list[str] = []  # every answer, for the positive control at the end
    urls = [f"{base}/", f"{base}/nodeinfo/2.1", f"{base}/nodeinfo/2.0", f"{base}/.well-known/nodeinfo", f"{base}/actor"]
    for item in built:
        circle = f"{base}/c/{item.slug}"
        urls += [circle, *(f"{circle}/{name}" for name in ("outbox", "followers", "moderators", "featured"))]
        for key in ("rmember", "omember"):
            urls.append(f"{circle}/followers?is_follower={quote(pool.fakes[key].uri, safe='')}")
        urls.append(f"{base}/.well-known/webfinger?resource=acct:{item.slug}@{pool.instance.domain}")
        urls += item.urls
    for url in urls:
        for headers in (headers_for(pool, world.viewer, url), HTML):
            async with http.get(url, headers=headers, allow_redirects=False) as response:
                body = await response.text()
            leaked = [secret for secret in secrets if secret in body]
            assert not leaked, f"{world.viewer} saw {leaked} at {url} ({response.status})"
            shown.append(body)
    if world.viewer in pool.browsers:
        shown += await _probe_pages_signed_in(pool.browsers[world.viewer], world, built, urls, secrets, base)
    _readable_titles_are_shown(world, built, shown)
    for item in built:
        if not may_read(item.spec, world, world.viewer):
            await _hidden_like_missing(pool, http, world, item, base)
    await _nodeinfo_counts_only_public(pool, http, built)


async def _probe_pages_signed_in(browser, world, built, urls: list[str], secrets: set[str], base: str) -> list[str]:
    """The web UI as the signed-in local viewer sees it: every page above, the circle list, and each circle's
    compose and facilitator pages (which must show nothing of a circle the viewer may not read)."""
    pages = [*urls, f"{base}/circles", f"{base}/facilitate", f"{base}/account", f"{base}/account/export"]
    for item in built:
        circle = f"{base}/c/{item.slug}"
        pages += [f"{circle}/new", *(f"{circle}/facilitate{sub}" for sub in FACILITATOR_PAGES)]
    shown = []
    for url in pages:
        async with browser.get(url, headers=HTML, allow_redirects=False) as response:
            body = await response.text()
        leaked = [secret for secret in secrets if secret in body]
        assert not leaked, f"{world.viewer}, signed in, saw {leaked} at {url} ({response.status})"
        shown.append(body)
    return shown


def _readable_titles_are_shown(world, built, shown: list[str]) -> None:
    """The positive control: the probes do reach content, since every thread the viewer may read is shown to
    them somewhere (an absence of secrets in answers that show nothing at all would prove nothing)."""
    for item in built:
        if may_read(item.spec, world, world.viewer):
            titles = [token for token in item.tokens if token.endswith("title")]
            unseen = [title for title in titles if not any(title in body for body in shown)]
            assert not unseen, f"{world.viewer} may read {item.slug} but no answer showed {unseen}"


async def _hidden_like_missing(pool, http, world, item, base) -> None:
    """Every content URL of a circle the viewer may not read answers exactly like a URL naming nothing."""
    for url in item.urls[:3]:
        answers = []
        for target in (url, missing_twin(url, base)):
            async with http.get(target, headers=headers_for(pool, world.viewer, target)) as response:
                answers.append((response.status, await response.read(), response.headers.get("Cache-Control")))
        if world.viewer == "oinstance" and world.blocked_r2:
            assert answers[0][0] == answers[1][0] == 403
            continue
        assert answers[0] == answers[1], url
        assert answers[0][0] == 404 and answers[0][2] == "no-store"


async def _nodeinfo_counts_only_public(pool, http, built) -> None:
    with pool.instance.db():
        public = [item.slug for item in built if item.spec.visibility == "public"]
        expected = await Thread.filter(circle__slug__in=public or ["-"], circle__visibility=Visibility.PUBLIC).count()
        expected += await Post.filter(thread__circle__slug__in=public or ["-"]).count()
    async with http.get(f"{pool.instance.base_url}/nodeinfo/2.1") as response:
        usage = json.loads(await response.read())["usage"]
    assert usage["localPosts"] == expected
    assert usage["users"]["total"] == len(LOCAL_PEOPLE)
