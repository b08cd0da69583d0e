"""Memberships: who joins at once, who waits for a facilitator, who decides, and who may leave."""


import pytest

from circlefed.domain.account_settings import set_circle_pseudonym
from circlefed.domain.events import JoinApproved, JoinRejected, JoinRequested, MemberJoined, MemberLeft, events_of
from circlefed.domain.memberships import (
    approve_membership,
    approved_members,
    can_moderate,
    facilitators,
    is_facilitator,
    is_member,
    leave_circle,
    membership_of,
    pending_requests,
    reject_membership,
    request_join,
)
from circlefed.errors import BadRequest, Conflict, Forbidden, NotFound
from circlefed.storage.models import (
    Account,
    Actor,
    Circle,
    Membership,
    MembershipState,
    Role,
    Visibility,
)
from tests.factories import SITE, approved_member, local_circle, local_person, remote_circle, remote_person

from .circle_support import fast_accounts

pytestmark = pytest.mark.storage

__all__ = ["fast_accounts"]  # the autouse fixture
FOLLOW = "https://social.example/activities/follow-1"


async def circle_with_facilitator(
    slug: str = "grief", *, visibility: Visibility = Visibility.PUBLIC, requires_approval: bool | None = None
) -> tuple[Circle, Actor]:
    facilitator = await local_person(SITE, f"{slug}_host")
    circle = await local_circle(SITE, slug, facilitator, visibility=visibility)
    if requires_approval is not None:
        circle.requires_approval = requires_approval
        await circle.save(update_fields=["requires_approval"])
    return circle, facilitator


# --- joining ---


async def test_a_remote_follow_of_an_open_public_circle_joins_at_once(db, clock):
    # SPEC: issue 5 membership (remote Follow of a circle → Accept for an open circle)
    circle, _ = await circle_with_facilitator()
    kim = await remote_person()
    outcome = await request_join(circle, kim, follow_activity_uri=FOLLOW, now=clock.now())
    assert outcome.state is MembershipState.APPROVED and outcome.changed
    (event,) = outcome.events
    assert isinstance(event, MemberJoined)
    assert (event.circle, event.actor, event.follow_activity_uri) == (circle, kim, FOLLOW)
    row = await membership_of(circle, kim)
    assert (row.role, row.follow_activity_uri, row.created_at) == (Role.MEMBER, FOLLOW, clock.now())
    assert await is_member(circle, kim)


async def test_a_local_member_joins_an_open_circle_through_the_same_function(db, clock):
    # SPEC: issue 5 membership (local members join and leave from the same domain functions)
    circle, _ = await circle_with_facilitator()
    robin = await local_person(SITE, "robin")
    outcome = await request_join(circle, robin, now=clock.now())
    assert isinstance(outcome.events[0], MemberJoined) and outcome.events[0].follow_activity_uri is None
    assert await is_member(circle, robin)
    # What a join publishes is its outcome's events, as for any result that carries them (events_of).
    assert events_of(outcome) == list(outcome.events)
    assert events_of(await request_join(circle, robin, now=clock.now())) == []  # already a member: nothing new
    left = await leave_circle(circle, robin)
    assert events_of(left) == [left] and events_of([left]) == [left] and events_of(None) == []


@pytest.mark.parametrize(
    ("visibility", "requires_approval"),
    [(Visibility.PUBLIC, True), (Visibility.MEMBERS, None), (Visibility.MEMBERS, False)],
)
async def test_circles_needing_approval_or_confidential_keep_requests_pending(db, clock, visibility, requires_approval):
    # SPEC: issue 5 membership (a pending request that a facilitator approves: manuallyApprovesFollowers)
    circle, _ = await circle_with_facilitator(visibility=visibility, requires_approval=requires_approval)
    kim = await remote_person()
    outcome = await request_join(circle, kim, follow_activity_uri=FOLLOW, now=clock.now())
    assert outcome.state is MembershipState.PENDING
    assert isinstance(outcome.events[0], JoinRequested) and outcome.events[0].follow_activity_uri == FOLLOW
    assert not await is_member(circle, kim)
    assert await pending_requests(circle) == [kim]


async def test_asking_again_changes_nothing_but_remembers_the_newest_follow(db, clock):
    circle, _ = await circle_with_facilitator()
    kim = await remote_person()
    await request_join(circle, kim, follow_activity_uri=FOLLOW, now=clock.now())
    again = await request_join(circle, kim, follow_activity_uri=f"{FOLLOW}-resent", now=clock.now())
    assert again.events == () and not again.changed and again.state is MembershipState.APPROVED
    assert again.membership.follow_activity_uri == f"{FOLLOW}-resent"
    assert await Membership.filter(circle=circle, actor=kim).count() == 1


async def test_a_pending_request_asked_again_stays_pending_without_events(db, clock):
    circle, _ = await circle_with_facilitator(requires_approval=True)
    kim = await remote_person()
    await request_join(circle, kim, now=clock.now())
    again = await request_join(circle, kim, now=clock.now())
    assert again.events == () and again.state is MembershipState.PENDING


async def test_a_facilitator_asking_to_join_stays_facilitator(db, clock):
    circle, host = await circle_with_facilitator()
    outcome = await request_join(circle, host, now=clock.now())
    assert outcome.events == () and outcome.membership.role is Role.FACILITATOR


async def test_a_local_circle_refuses_members_of_other_instances(db, clock):
    # SPEC: PROTOCOL.md confidential circles (`local` circles never leave the instance)
    circle, _ = await circle_with_facilitator(visibility=Visibility.LOCAL)
    with pytest.raises(Forbidden, match="only to members of its own instance"):
        await request_join(circle, await remote_person(), now=clock.now())
    outcome = await request_join(circle, await local_person(SITE, "robin"), now=clock.now())
    assert outcome.state is MembershipState.PENDING


async def test_joining_a_remote_circle_waits_for_its_accept(db, clock):
    # SPEC: issue 5 membership (a local member follows a remote circle; the remote Group decides)
    circle = await remote_circle()
    outcome = await request_join(circle, await local_person(SITE, "robin"), follow_activity_uri=FOLLOW, now=clock.now())
    assert outcome.state is MembershipState.PENDING and isinstance(outcome.events[0], JoinRequested)


async def test_remote_actors_cannot_join_a_remote_circle_here(db, clock):
    with pytest.raises(BadRequest, match="at its own instance"):
        await request_join(await remote_circle(), await remote_person(), now=clock.now())


# --- approving and rejecting ---


async def test_a_facilitator_approves_a_pending_request(db, clock):
    circle, host = await circle_with_facilitator(requires_approval=True)
    kim = await remote_person()
    await request_join(circle, kim, follow_activity_uri=FOLLOW, now=clock.now())
    event = await approve_membership(circle, kim, by=host)
    assert isinstance(event, JoinApproved)
    assert (event.member, event.actor, event.follow_activity_uri) == (kim, host, FOLLOW)
    assert await is_member(circle, kim) and await approved_members(circle) == [host, kim]


async def test_an_instance_admin_may_approve_without_being_a_facilitator(db, clock):
    # SPEC: PROTOCOL.md moderation (moderators = facilitators plus admins of the circle's instance)
    circle, _ = await circle_with_facilitator(requires_approval=True)
    admin = await local_person(SITE, "root_admin", is_admin=True)
    kim = await remote_person()
    await request_join(circle, kim, now=clock.now())
    await approve_membership(circle, kim, by=admin)
    assert await is_member(circle, kim)


async def test_a_remote_circles_accept_approves_through_its_group_actor(db, clock):
    # SPEC: issue 5 membership (Accept(Follow) from the remote Group approves our member's request)
    circle = await remote_circle()
    robin = await local_person(SITE, "robin")
    await request_join(circle, robin, now=clock.now())
    group = await circle.actor
    event = await approve_membership(circle, robin, by=group)
    assert event.actor == group and await is_member(circle, robin)


@pytest.mark.parametrize("decider", ["member", "remote", "other_facilitator", "pending"])
async def test_only_facilitators_of_the_circle_or_admins_decide(db, clock, decider):
    circle, _ = await circle_with_facilitator(requires_approval=True)
    kim = await remote_person()
    await request_join(circle, kim, now=clock.now())
    if decider == "member":
        by = await local_person(SITE, "robin")
        await approved_member(circle, by)
    elif decider == "remote":
        by = await remote_person("ash", "lemmy.example")
    elif decider == "other_facilitator":
        _, by = await circle_with_facilitator("hope")
    else:
        by = await remote_person("ash", "lemmy.example")
        await Membership.create(circle=circle, actor=by, role=Role.FACILITATOR, state=MembershipState.PENDING)
    with pytest.raises(Forbidden, match="facilitators or an admin"):
        await approve_membership(circle, kim, by=by)
    with pytest.raises(Forbidden):
        await reject_membership(circle, kim, by=by)
    assert (await membership_of(circle, kim)).state is MembershipState.PENDING


async def test_a_rejected_request_is_remembered_and_may_be_made_again(db, clock):
    circle, host = await circle_with_facilitator(requires_approval=True)
    kim = await remote_person()
    await request_join(circle, kim, follow_activity_uri=FOLLOW, now=clock.now())
    event = await reject_membership(circle, kim, by=host)
    assert isinstance(event, JoinRejected) and event.follow_activity_uri == FOLLOW
    assert (await membership_of(circle, kim)).state is MembershipState.REJECTED
    assert not await is_member(circle, kim)
    again = await request_join(circle, kim, follow_activity_uri=f"{FOLLOW}-2", now=clock.now())
    assert again.state is MembershipState.PENDING and isinstance(again.events[0], JoinRequested)
    assert again.membership.follow_activity_uri == f"{FOLLOW}-2"


async def test_only_pending_requests_can_be_decided(db, clock):
    circle, host = await circle_with_facilitator()
    kim = await remote_person()
    with pytest.raises(NotFound, match="no request"):
        await approve_membership(circle, kim, by=host)
    await request_join(circle, kim, now=clock.now())
    with pytest.raises(Conflict, match="already a member"):
        await approve_membership(circle, kim, by=host)
    with pytest.raises(Conflict, match="already a member"):
        await reject_membership(circle, kim, by=host)


# --- leaving ---


async def test_a_member_leaves_and_is_no_longer_a_member(db, clock):
    # SPEC: issue 5 membership (Undo(Follow) leaves)
    circle, _ = await circle_with_facilitator()
    kim = await remote_person()
    await request_join(circle, kim, follow_activity_uri=FOLLOW, now=clock.now())
    event = await leave_circle(circle, kim)
    assert isinstance(event, MemberLeft)
    assert (event.actor, event.follow_activity_uri, event.was_approved) == (kim, FOLLOW, True)
    assert not await is_member(circle, kim) and await membership_of(circle, kim) is None


async def test_withdrawing_a_pending_request_is_leaving_before_approval(db, clock):
    circle, _ = await circle_with_facilitator(requires_approval=True)
    kim = await remote_person()
    await request_join(circle, kim, now=clock.now())
    event = await leave_circle(circle, kim)
    assert event.was_approved is False and await membership_of(circle, kim) is None


async def test_leaving_a_circle_one_is_not_in_is_not_found(db, clock):
    circle, _ = await circle_with_facilitator()
    with pytest.raises(NotFound, match="not a member"):
        await leave_circle(circle, await remote_person())


async def test_the_last_facilitator_cannot_leave(db, clock):
    circle, host = await circle_with_facilitator()
    with pytest.raises(Conflict, match="last facilitator"):
        await leave_circle(circle, host)
    assert await is_facilitator(circle, host)


async def test_a_facilitator_may_leave_when_another_remains(db, clock):
    circle, host = await circle_with_facilitator()
    second = await local_person(SITE, "second")
    await approved_member(circle, second, role=Role.FACILITATOR)
    assert await facilitators(circle) == [host, second]
    await leave_circle(circle, host)
    assert await facilitators(circle) == [second]
    assert not await is_facilitator(circle, host)


# --- who is who ---


async def test_roles_and_states_answer_who_is_member_and_facilitator(db, clock):
    circle, host = await circle_with_facilitator(requires_approval=True)
    kim, robin = await remote_person(), await local_person(SITE, "robin")
    await request_join(circle, kim, now=clock.now())
    assert await is_facilitator(circle, host) and await is_member(circle, host)
    assert not await is_facilitator(circle, kim) and not await is_member(circle, kim)
    assert await approved_members(circle) == [host]
    assert await can_moderate(circle, host) and not await can_moderate(circle, robin)
    remote = await remote_circle()
    admin = await local_person(SITE, "the_admin", is_admin=True)
    assert await can_moderate(circle, admin) and not await can_moderate(remote, admin)


async def test_a_name_chosen_in_a_circle_comes_back_when_its_member_joins_again(db, clock):
    # SPEC: issue 14 (the stateful test's positive control): leaving and joining again keeps the chosen name
    circle, _ = await circle_with_facilitator(visibility=Visibility.MEMBERS, requires_approval=False)
    noah, ana = await local_person(SITE, "noah"), await local_person(SITE, "ana")
    noah_account, ana_account = await Account.get(actor_id=noah.id), await Account.get(actor_id=ana.id)
    await request_join(circle, noah, now=clock.now())
    await set_circle_pseudonym(noah_account, (await membership_of(circle, noah)).id, "Noah R")
    await leave_circle(circle, noah)
    await request_join(circle, noah, now=clock.now())
    assert (await membership_of(circle, noah)).pseudonym == "Noah R"
    await leave_circle(circle, noah)
    await request_join(circle, ana, now=clock.now())
    await set_circle_pseudonym(ana_account, (await membership_of(circle, ana)).id, "Noah R")  # free meanwhile
    await request_join(circle, noah, now=clock.now())
    assert (await membership_of(circle, noah)).pseudonym is None, "taken by someone else: the generated name"
    await set_circle_pseudonym(noah_account, (await membership_of(circle, noah)).id, "")
    await leave_circle(circle, noah)
    await request_join(circle, noah, now=clock.now())
    assert (await membership_of(circle, noah)).pseudonym is None, "going back to the generated name forgets it"
