"""Domain: the local actors this instance shows to peers and browsers (members, circles, the instance actor)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from tortoise.exceptions import IntegrityError

from circlefed.domain.actors import INSTANCE_ACTOR_NAME, instance_actor
from circlefed.domain.instance_identity import instance_identity
from circlefed.domain.site import Site
from circlefed.errors import NotFound
from circlefed.protocol.actors import ActorBasics, ApplicationCard, GroupCard, PersonCard
from circlefed.protocol.webfinger import ParsedResource, normalise_authority
from circlefed.storage.models import Actor, Circle, Visibility


@dataclass(frozen=True)
class ServedCircle:
    """A local circle as served at its actor URL: the Group document's facts plus the row for the HTML page."""

    card: GroupCard
    circle: Circle

    @property
    def is_public(self) -> bool:
        return self.circle.visibility is Visibility.PUBLIC


@dataclass(frozen=True)
class WebfingerTarget:
    subject: str
    actor_uri: str
    actor_type: str
    profile_url: str
    is_server_actor: bool = False


def not_found() -> NotFound:
    """The one answer for a missing name and a hidden (local) circle alike: no existence oracle (attack 21)."""
    return NotFound()


async def get_person(site: Site, name: str) -> PersonCard:
    actor = await Actor.get_or_none(local_name=name, is_local=True, type="Person")
    if actor is None:
        raise not_found()
    return PersonCard(
        basics=_basics(site, actor, actor.display_name or actor.preferred_username),
        followers_uri=actor.followers_uri or site.uris.followers(actor.uri),
        summary_html=_paragraph(actor.summary),
    )


async def get_circle(site: Site, slug: str, *, even_local: bool = False) -> ServedCircle:
    """A local circle that may leave the instance (public or members); `local` circles do not exist outside
    (`even_local`: the last Update(Group) telling member instances that a circle became local)."""
    circle = await Circle.get_or_none(slug=slug, is_local=True).select_related("actor")
    if circle is None or (circle.visibility is Visibility.LOCAL and not even_local):
        raise not_found()
    actor = circle.actor
    is_public = circle.visibility is Visibility.PUBLIC
    card = GroupCard(
        basics=_basics(site, actor, circle.name, published_at=circle.created_at),
        followers_uri=actor.followers_uri or site.uris.followers(actor.uri),
        featured_uri=f"{actor.uri}/featured",
        moderators_uri=f"{actor.uri}/moderators",
        # PROTOCOL.md: the Group summary is the ground rules; the description stands in until there are any.
        summary_html=circle.rules_html or _paragraph(circle.description),
        summary_markdown=circle.rules_source or circle.description,
        posting_restricted_to_mods=circle.posting_restricted_to_mods,
        manually_approves_followers=circle.requires_approval or not is_public,
        discoverable=is_public,
        visibility=circle.visibility.value,
    )
    return ServedCircle(card=card, circle=circle)


async def get_instance_actor(site: Site) -> ApplicationCard:
    """The Application actor at /actor, created (with its key pair) the first time anyone asks for it."""
    try:
        actor = await instance_actor(site.uris, site.domain, site.name)
    except IntegrityError:
        # Two first requests raced to create it; the other one won.
        actor = await Actor.get(local_name=INSTANCE_ACTOR_NAME)
    name, _ = await instance_identity(site.name, "")
    return ApplicationCard(basics=_basics(site, actor, name, preferred_username=instance_host(site)))


def instance_host(site: Site) -> str:
    """The instance actor's preferredUsername: the host without port (Mastodon's acct:<host>@<host> form)."""
    return urlsplit(site.uris.base).hostname or site.domain


async def find_webfinger_target(site: Site, resource: ParsedResource) -> WebfingerTarget:
    """The local actor a WebFinger resource names; NotFound for other hosts, unknown names, local circles."""
    if resource.host != normalise_authority(site.domain):
        raise not_found()
    if resource.is_acct and resource.name is not None:
        return await _target_for_name(site, resource.name.lower())
    if resource.is_url and resource.scheme == urlsplit(site.uris.base).scheme:
        return await _target_for_path(site, resource.path)
    raise not_found()


async def _target_for_name(site: Site, name: str) -> WebfingerTarget:
    if name in (instance_host(site), site.domain, INSTANCE_ACTOR_NAME):
        return await _instance_target(site, subject=None)
    actor = await Actor.get_or_none(local_name=name, is_local=True)
    if actor is None:
        raise not_found()
    if actor.type == "Group":
        return _target(site, (await get_circle(site, name)).card.basics, "Group")
    if actor.type == "Person":
        return _target(site, (await get_person(site, name)).basics, "Person")
    raise not_found()


async def _target_for_path(site: Site, path: str) -> WebfingerTarget:
    # SPEC: FEP-d556 (the server prefix names the server-level actor)
    if path in ("", "/"):
        return await _instance_target(site, subject=f"{site.uris.base}/")
    if path == "/actor":
        return await _instance_target(site, subject=None)
    kind, _, name = path.strip("/").partition("/")
    if kind == "u" and name:
        return _target(site, (await get_person(site, name)).basics, "Person")
    if kind == "c" and name:
        return _target(site, (await get_circle(site, name)).card.basics, "Group")
    raise not_found()


async def _instance_target(site: Site, subject: str | None) -> WebfingerTarget:
    card = await get_instance_actor(site)
    target = _target(site, card.basics, "Application")
    return WebfingerTarget(
        subject=subject or target.subject,
        actor_uri=target.actor_uri,
        actor_type="Application",
        profile_url=f"{site.uris.base}/",
        is_server_actor=True,
    )


def _target(site: Site, basics: ActorBasics, actor_type: str) -> WebfingerTarget:
    # The handle carries the port when base_url has one, exactly as preferredUsername@<id authority> does.
    return WebfingerTarget(
        subject=f"acct:{basics.preferred_username}@{site.domain}",
        actor_uri=basics.uri,
        actor_type=actor_type,
        profile_url=basics.url,
    )


def _basics(
    site: Site, actor: Actor, name: str, *, published_at: datetime | None = None, preferred_username: str | None = None
) -> ActorBasics:
    if not (actor.inbox_uri and actor.outbox_uri and actor.shared_inbox_uri and actor.public_key_pem):
        raise not_found()  # never for local actors made by create_local_actor
    return ActorBasics(
        uri=actor.uri,
        preferred_username=preferred_username or actor.local_name or actor.preferred_username,
        name=name,
        inbox_uri=actor.inbox_uri,
        outbox_uri=actor.outbox_uri,
        shared_inbox_uri=actor.shared_inbox_uri,
        public_key_id=actor.public_key_id or f"{actor.uri}#main-key",
        public_key_pem=actor.public_key_pem,
        url=actor.url or actor.uri,
        published=published_at or actor.created_at,
        oauth_authorization_uri=site.uris.oauth_authorize(),
        oauth_token_uri=site.uris.oauth_token(),
    )


def _paragraph(text: str) -> str:
    return f"<p>{html.escape(text)}</p>" if text.strip() else ""
