"""Regression tests of the stateful leak test (issue 14): every sequence it found leaking, replayed step by step
with the same check after each step (lifecycle_replay.py). Circles: x1 and x2 on A (fran, fay facilitate), y1
on B (bea); A trusts B, not C; the recorder is an independent peer. Each sequence leaked before its fix (issue
14); the docstring says what leaked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from circlefed.storage.models import Thread

pytestmark = [pytest.mark.storage, pytest.mark.slow]


def test_a_hidden_threads_reply_form_answers_like_a_missing_one(replay):
    """It leaked: a hidden thread's reply form answers unlike a missing thread's (item 6)."""
    steps = replay("members", "public", "public")
    steps.do_post_thread("x1", "zqfran")


def test_opening_a_circle_does_not_show_what_was_written_while_it_was_confidential(replay):
    """It leaked: making a circle public shows what was written while it was members (or local)."""
    steps = replay("members", "public", "public")
    steps.do_post_thread("x1", "zqfran")
    steps.do_change_visibility("x1", "public", True)


def test_opening_a_circle_hosted_on_b_does_not_show_its_local_posts(replay):
    """It leaked: a local circle made public on B shows its earlier posts too."""
    steps = replay("public", "public", "local")
    steps.do_post_thread("y1", "zqbea")
    steps.do_change_visibility("y1", "public", True)


def test_a_ban_reason_not_shared_is_never_federated(replay):
    """It leaked: a ban's reason reaches other instances in the Block's summary although not shared (item 3)."""
    steps = replay("public", "public", "public")
    steps.do_recorder_follows("x1")
    steps.do_ban("x1", "zqrec", None, False)


def test_a_members_circle_names_its_facilitator_to_partners_by_pseudonym(replay):
    """It leaked: /c/SLUG/moderators names the facilitator's real actor to a remote member (item 3)."""
    steps = replay("members", "public", "public")
    steps.do_join("x1", "zqbea")
    steps.do_decide("x1", "zqbea", "approve")


def test_a_members_circle_on_b_names_its_facilitator_to_partners_by_pseudonym(replay):
    """It leaked: B's members circle names its facilitator bea by her real actor to A's member and to A."""
    steps = replay("public", "public", "members")
    steps.do_join("y1", "zqalice")
    steps.do_decide("y1", "zqalice", "approve")


def test_a_banned_local_member_stops_reading(replay):
    """It leaked: a banned local member still reads the circle (item 1)."""
    steps = replay("members", "public", "public")
    steps.do_join("x1", "zqalice")
    steps.do_decide("x1", "zqalice", "approve")
    steps.do_ban("x1", "zqalice", None, False)
    steps.do_post_thread("x1", "zqfran")


def test_a_banned_remote_member_stops_receiving(replay):
    """It leaked: a banned remote member's instance still receives the circle's new posts (item 1)."""
    steps = replay("members", "public", "public")
    steps.do_real_names(True)  # partners may see fran's real actor: only the ban is under test
    steps.do_join("x1", "zqbea")
    steps.do_decide("x1", "zqbea", "approve")
    steps.do_ban("x1", "zqbea", None, False)
    steps.do_post_thread("x1", "zqfran")


def test_after_public_to_members_a_partner_shows_the_circle_to_its_members_only(replay):
    """It leaked: after public -> members, B still shows the circle's posts to every account on B (item 2)."""
    steps = replay("public", "public", "public")
    steps.do_join("x1", "zqbea")
    steps.do_post_thread("x1", "zqfran")
    steps.do_change_visibility("x1", "members", False)
    steps.do_post_thread("x1", "zqfran")


def test_a_chosen_name_replaces_the_pseudonym(replay):
    """It leaked: a name chosen on /account is saved empty: the member is shown by username (item 4)."""
    steps = replay("members", "public", "public")
    steps.do_join("x1", "zqalice")
    steps.do_decide("x1", "zqalice", "approve")
    steps.do_post_thread("x1", "zqalice")
    steps.do_choose_name("x1", "zqalice", False)


def test_a_ban_names_a_local_member_only_by_pseudonym(replay):
    """It leaked: a ban in a members circle is announced naming the member's real actor (item 3)."""
    steps = replay("public", "public", "public")
    steps.do_join("x1", "zqbea")  # bea and fran were named in public: only alice is under test
    steps.do_change_visibility("x1", "members", False)
    steps.do_join("x1", "zqalice")
    steps.do_decide("x1", "zqalice", "approve")
    steps.do_ban("x1", "zqalice", None, False)


def test_a_partner_serves_its_members_reply_only_to_those_who_may_read_it(replay):
    """It leaked: B serves its member's reply in A's members circle to any account of A, members or not."""
    steps = replay("members", "public", "public")
    steps.do_real_names(True)  # partners may see fran's real actor: only B's serving is under test
    steps.do_join("x1", "zqbea")
    steps.do_decide("x1", "zqbea", "approve")
    steps.do_post_thread("x1", "zqfran")
    steps.do_reply("t1", "zqbea")


def test_a_local_circles_posts_never_leave_their_host(replay):
    """It leaked: once a local circle is public, approving a partner's member backfills its local posts to the
    partner."""
    steps = replay("public", "public", "local")
    steps.do_post_thread("y1", "zqbea")
    steps.do_change_visibility("y1", "public", True)
    steps.do_join("y1", "zqalice")
    steps.do_decide("y1", "zqalice", "approve")


def test_a_member_reads_her_own_instances_copies_again_once_her_timed_ban_ends(replay):
    """It failed the positive control (hidden, not leaked): after a day-long ban from B's circle ended, zqfay did
    not see its thread on A. The instances' ban-end jobs ran on the wall clock, not when the day had passed; the
    machine now runs each worker's periodic jobs when time passes."""
    steps = replay("public", "public", "members")
    steps.do_join("y1", "zqalice")
    steps.do_decide("y1", "zqalice", "approve")
    steps.do_post_thread("y1", "zqbea")
    steps.do_ban("y1", "zqalice", 1, False)
    steps.do_time_passes()


def test_joining_a_circle_again_by_handle_rereads_its_level(replay):
    """It leaked: y1 became members after A's last member of it had left, so A never got its Update(Group); when
    zqfran asked to join by handle, A kept showing its old public copies of y1 to every account of A."""
    steps = replay("public", "members", "public")
    steps.do_join("y1", "zqfay")
    steps.do_post_thread("y1", "zqbea")
    steps.do_leave("y1", "zqfay")
    steps.do_change_visibility("y1", "members", True)
    steps.do_join("y1", "zqfran")


def test_a_remote_member_who_leaves_and_joins_again_keeps_the_name_they_chose(replay):
    """It failed (a positive control): bea, on B, chose a name in A's circle, left and joined again; her /account
    on B no longer showed the name she chose."""
    steps = replay("members", "members", "members")
    steps.do_change_visibility("x2", "public", True)
    steps.do_join("x2", "zqbea")
    steps.do_choose_name("x2", "zqbea", False)
    steps.do_leave("x2", "zqbea")
    steps.do_join("x2", "zqbea")


def test_a_member_who_leaves_a_circle_while_it_is_local_does_not_read_it_once_it_opens_to_members(replay):
    """It leaked (make leakhunt, sequence 452 of a part, on hunted code 8a7530d704cc): bea, on B, joined A's
    public circle x1; it was made local; she left; it was made members again and fran posted. A still counted her
    a member: its Announce reached B, and her signed fetches of the outbox and the thread answered 200."""
    steps = replay("public", "local", "local")
    steps.do_join("x1", "zqbea")
    steps.do_change_visibility("y1", "public", False)
    steps.do_change_visibility("x1", "local", False)
    steps.do_post_thread("x2", "zqfay")
    steps.do_reply("t1", "zqfay")
    steps.do_reply("t1", "zqfay")
    steps.do_recorder_follows("y1")
    steps.do_edit("p2")
    steps.do_leave("x1", "zqbea")
    steps.do_decide("y1", "zqrec", "approve")
    steps.do_edit("t1")
    steps.do_post_thread("x1", "zqfran")
    steps.do_post_thread("y1", "zqbea")
    steps.do_choose_name("y1", "zqbea", True)
    steps.do_change_visibility("x2", "members", False)
    steps.do_choose_name("y1", "zqbea", False)
    steps.do_change_visibility("x1", "members", False)
    steps.do_post_thread("x1", "zqfran")


def test_a_member_whose_session_ended_reads_a_copy_again_once_signed_in(replay):
    """It failed (a positive control) in make leakhunt twice, after 71 and after 254 sequences, and never in a fresh
    world: by then the instances' clock had moved weeks (a day at a time) and the members' sessions (14 days) had
    ended. A copy of a remote circle answers a signed-out visitor 404 where other pages send them to the login form,
    and the hunt's browser took that 404 for what the member sees. It now signs in again on any page that shows the
    signed-out menu."""
    steps = replay("members", "public", "local")
    steps.do_join("x2", "zqcal")
    steps.do_post_thread("x2", "zqfay")
    world = steps.machine.world
    world.clock.advance(timedelta(days=15))

    async def newest_copy() -> Thread:
        with world.instances["C"].db():
            return await Thread.all().order_by("-id").first()

    thread = world.run(newest_copy())
    answer = world.run(world.page("zqcal", "C", f"/threads/{thread.id}"))
    assert answer.status == 200 and thread.title in answer.text


def test_a_member_on_an_untrusted_instance_reads_a_public_circles_new_thread(replay):
    """It failed (a positive control) in make leakhunt: cal, on C, joined A's public circle x2 and did not see its
    new thread on C's copy, although C had stored it. This replay, in a fresh world, passes; the hunt's world had
    gone through 70 sequences before, and the cause was the hunt's own browser: cal's session had ended (see
    test_a_member_whose_session_ended_reads_a_copy_again_once_signed_in)."""
    steps = replay("members", "public", "members")
    steps.do_join("y1", "zqfay")
    steps.do_trust("B", False)
    steps.do_trust("B", True)
    steps.do_leave("y1", "zqfay")
    steps.do_join("y1", "zqalice")
    steps.do_recorder_follows("x2")
    steps.do_post_thread("x2", "zqfay")
    steps.do_trust("B", False)
    steps.do_delete("t1")
    steps.do_join("x2", "zqamos")
    steps.do_ban("x2", "zqrec", None, True)
    steps.do_ban("x2", "zqrec", 1, True)
    steps.do_unban("x2", "zqrec")
    steps.do_post_thread("x1", "zqfran")
    steps.do_time_passes()
    steps.do_edit("t2")
    steps.do_join("x2", "zqcal")
    steps.do_time_passes()
    steps.do_post_thread("x1", "zqfran")
    steps.do_moderate("t2", "lock")
    steps.do_ban("x2", "zqrec", None, True)
    steps.do_post_thread("x2", "zqfay")
