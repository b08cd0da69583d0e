"""Domain: creating, listing and reading local circles and their facilitators."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from circlefed.domain.accounts import check_name, ensure_name_free
from circlefed.domain.actors import create_local_actor
from circlefed.domain.site import Site
from circlefed.errors import BadRequest, NotFound
from circlefed.storage.models import Actor, Circle, Membership, MembershipState, Role, Visibility

MAX_NAME = 255
MAX_DESCRIPTION = 2000


def check_profile(name: str, description: str) -> tuple[str, str]:
    """A circle's name (1-255 characters) and description (up to 2,000), trimmed; BadRequest otherwise."""
    name, description = name.strip(), description.strip()
    if not name or len(name) > MAX_NAME:
        raise BadRequest(f"a circle needs a name of 1-{MAX_NAME} characters")
    if len(description) > MAX_DESCRIPTION:
        raise BadRequest(f"a circle's description is at most {MAX_DESCRIPTION} characters")
    return name, description


def parse_visibility(value: str) -> Visibility:
    try:
        return Visibility(value)
    except ValueError:
        raise BadRequest(f"invalid visibility '{value}': choose public, members or local") from None


async def create_circle(
    site: Site,
    slug: str,
    name: str,
    *,
    visibility: Visibility = Visibility.PUBLIC,
    description: str = "",
    facilitator: Actor | None = None,
) -> Circle:
    check_name(slug, "circle slug")
    name, description = check_profile(name, description)
    await ensure_name_free(slug, "circle slug")
    async with in_transaction():
        actor = await create_local_actor(
            site.uris,
            site.domain,
            actor_type="Group",
            local_name=slug,
            uri=site.uris.circle(slug),
            display_name=name,
            summary=description,
        )
        circle = await Circle.create(
            actor=actor,
            is_local=True,
            slug=slug,
            name=name,
            description=description,
            visibility=visibility,
            requires_approval=visibility is not Visibility.PUBLIC,
        )
        if facilitator is not None:
            await Membership.create(
                circle=circle, actor=facilitator, role=Role.FACILITATOR, state=MembershipState.APPROVED
            )
    return circle


async def list_local_circles() -> list[Circle]:
    return await Circle.filter(is_local=True).order_by("slug")


async def get_local_circle(slug: str) -> Circle:
    circle = await Circle.get_or_none(slug=slug, is_local=True)
    if circle is None:
        raise NotFound(f"no circle '{slug}' on this instance")
    return circle


async def count_members(circle: Circle) -> int:
    return await Membership.filter(circle=circle, state=MembershipState.APPROVED).count()


async def group_uri(circle: Circle) -> str:
    """The id of the circle's Group actor: what events about a membership or the whole circle act on."""
    return await Actor.get(id=circle.actor_id).values_list("uri", flat=True)  # type: ignore[attr-defined,return-value]
