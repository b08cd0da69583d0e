"""The state machine of the stateful leak test (issue 14): circles x1 and x2 hosted on A (fran and fay facilitate),
y1 hosted on B (bea facilitates); people join, leave, are approved, rejected, banned and unbanned, circles change
visibility, people choose names, A's admin trusts and distrusts B and C and shares real names or not, members post,
reply, edit and delete, facilitators lock, pin and remove, members report.

Rules draw only what makes sense now (a pending request to decide, a member to ban); each calls a `do_*` step with
plain arguments, which lifecycle_steps.py performs through the product and the oracle. After every step the
instances settle and `nothing_leaks` crawls (lifecycle_check.py). A failure lists the steps as `do_*` calls, the
form a regression test replays them in (lifecycle_replay.py)."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from .lifecycle_oracle import LEVELS
from .lifecycle_steps import CIRCLES, Steps


def _pick(data, options, label: str):
    return data.draw(st.sampled_from(sorted(options)), label=label)


class LifecycleMachine(Steps):
    @initialize(x1=st.sampled_from(list(LEVELS)), x2=st.sampled_from(list(LEVELS)), y1=st.sampled_from(list(LEVELS)))
    def start(self, x1: str, x2: str, y1: str) -> None:
        self.do_circles(x1, x2, y1)

    @precondition(lambda self: self.joinable())
    @rule(data=st.data())
    def join(self, data) -> None:
        self.do_join(*_pick(data, self.joinable(), "circle and person"))

    @precondition(lambda self: self.followable())
    @rule(data=st.data())
    def recorder_follows(self, data) -> None:
        self.do_recorder_follows(_pick(data, self.followable(), "circle"))

    @precondition(lambda self: self.in_state("pending"))
    @rule(data=st.data(), verdict=st.sampled_from(["approve", "reject"]))
    def decide(self, data, verdict: str) -> None:
        self.do_decide(*_pick(data, self.in_state("pending"), "circle and person"), verdict)

    @precondition(lambda self: self.leavable())
    @rule(data=st.data())
    def leave(self, data) -> None:
        self.do_leave(*_pick(data, self.leavable(), "circle and person"))

    @precondition(lambda self: self.bannable())
    @rule(data=st.data(), days=st.sampled_from([None, 1, 3]), share=st.booleans())
    def ban(self, data, days: int | None, share: bool) -> None:
        self.do_ban(*_pick(data, self.bannable(), "circle and person"), days, share)

    @precondition(lambda self: self.banned_people())
    @rule(data=st.data())
    def unban(self, data) -> None:
        self.do_unban(*_pick(data, self.banned_people(), "circle and person"))

    @precondition(lambda self: any(ban.until for _, _, ban in self.oracle.bans))
    @rule()
    def time_passes(self) -> None:
        self.do_time_passes()

    @rule(circle=st.sampled_from(list(CIRCLES)), level=st.sampled_from(list(LEVELS)), cli=st.booleans())
    def change_visibility(self, circle: str, level: str, cli: bool) -> None:
        if self.oracle.circles[circle].level != LEVELS[level]:
            self.do_change_visibility(circle, level, cli)

    @precondition(lambda self: self.nameable())
    @rule(data=st.data(), generated=st.booleans())
    def choose_name(self, data, generated: bool) -> None:
        self.do_choose_name(*_pick(data, self.nameable(), "circle and person"), generated)

    @rule(what=st.sampled_from(["real names", "B", "C"]))
    def admin(self, what: str) -> None:
        """A's admin turns real names on or off, or trusts or stops trusting B or C."""
        if what == "real names":
            self.do_real_names(not self.oracle.real_names["A"])
        else:
            self.do_trust(what, not self.oracle.trust["A"][what])

    @precondition(lambda self: self.posters())
    @rule(data=st.data())
    def post_thread(self, data) -> None:
        self.do_post_thread(*_pick(data, self.posters(), "circle and person"))

    @precondition(lambda self: self.repliable())
    @rule(data=st.data())
    def reply(self, data) -> None:
        self.do_reply(*_pick(data, self.repliable(), "thread and person"))

    @precondition(lambda self: self.editable())
    @rule(data=st.data())
    def edit(self, data) -> None:
        self.do_edit(_pick(data, self.editable(), "row"))

    @precondition(lambda self: self.editable())
    @rule(data=st.data())
    def delete(self, data) -> None:
        self.do_delete(_pick(data, self.editable(), "row"))

    @precondition(lambda self: self.live_rows())
    @rule(data=st.data(), what=st.sampled_from(["lock", "pin", "remove"]))
    def moderate(self, data, what: str) -> None:
        self.do_moderate(_pick(data, self.live_rows(), "row"), what)

    @precondition(lambda self: self.reportable())
    @rule(data=st.data())
    def report(self, data) -> None:
        self.do_report(*_pick(data, self.reportable(), "row and person"))

    @invariant()
    def nothing_leaks(self) -> None:
        self.check()

