"""The state machine of the stateful leak test (issue 14): circles x1 and x2 hosted on A (fran and fay facilitate),
y1 hosted on B (bea facilitates); people join (on the circle's page, by handle or with a facilitator's
invitation), leave, are approved, rejected, banned and unbanned, circles change
visibility, people choose names, A's admin trusts and distrusts B and C and shares real names or not, members post,
reply, edit and delete, facilitators lock, pin and remove, members report.

Each step picks an action that makes sense now (a pending request to decide, a member to ban) and calls a `do_*`
step with plain arguments, which lifecycle_steps.py performs through the product and the oracle. After every step
the instances settle and `nothing_leaks` crawls (lifecycle_check.py). A failure lists the steps as `do_*` calls,
the form a regression test replays them in (lifecycle_replay.py).

Every step draws the same three numbers, whatever happened before, and maps them onto what makes sense now. The
three instances live through the whole run, so the same drawn prefix can meet a world that answers differently
(a refusal, an expired ban); Hypothesis keeps one tree of every choice made in the run and stops with
FlakyStrategyDefinition when a prefix it has seen is followed by a differently shaped choice (a list of another
length, a rule whose precondition now fails). Fixed-shape draws cannot differ in shape."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule

from .lifecycle_oracle import LEVELS
from .lifecycle_steps import CIRCLES, Steps

NUMBER = st.integers(0, 2**16 - 1)
BAN_DAYS = (None, 1, 3)
MODERATION = ("lock", "pin", "remove")
VERDICTS = ("approve", "reject")


class LifecycleMachine(Steps):
    @initialize(x1=st.sampled_from(list(LEVELS)), x2=st.sampled_from(list(LEVELS)), y1=st.sampled_from(list(LEVELS)))
    def start(self, x1: str, x2: str, y1: str) -> None:
        self.do_circles(x1, x2, y1)

    @rule(action=NUMBER, which=NUMBER, detail=NUMBER)
    def act(self, action: int, which: int, detail: int) -> None:
        """One action among those with a target now, on one of its targets, with `detail` for its choices."""
        available = [(perform, sorted(targets)) for perform, targets in self.actions() if targets]
        perform, targets = available[action % len(available)]
        perform(targets[which % len(targets)], detail)

    def actions(self):
        """(perform(target, detail), targets now) for every action; changing visibility and admin's choices
        always have a target, so a step always does something."""
        return [
            (lambda pair, _: self.do_join(*pair), self.joinable()),
            (lambda pair, _: self.do_join_by_invitation(*pair), self.invitable()),
            (lambda circle, _: self.do_recorder_follows(circle), self.followable()),
            (lambda pair, d: self.do_decide(*pair, VERDICTS[d % 2]), self.in_state("pending")),
            (lambda pair, _: self.do_leave(*pair), self.leavable()),
            (lambda pair, d: self.do_ban(*pair, BAN_DAYS[d % 3], bool(d // 3 % 2)), self.bannable()),
            (lambda pair, _: self.do_unban(*pair), self.banned_people()),
            (lambda _, __: self.do_time_passes(),
             ["later"] if any(ban.until for _, _, ban in self.oracle.bans) else []),
            (lambda pair, d: self.do_change_visibility(*pair, bool(d % 2)), self.other_levels()),
            (lambda pair, d: self.do_choose_name(*pair, bool(d % 2)), self.nameable()),
            (self.admin, ["B", "C", "real names"]),
            (lambda pair, _: self.do_post_thread(*pair), self.posters()),
            (lambda pair, _: self.do_reply(*pair), self.repliable()),
            (lambda row, _: self.do_edit(row), self.editable()),
            (lambda row, _: self.do_delete(row), self.editable()),
            (lambda row, d: self.do_moderate(row, MODERATION[d % 3]), self.live_rows()),
            (lambda pair, _: self.do_report(*pair), self.reportable()),
        ]

    def other_levels(self) -> list[tuple[str, str]]:
        return [(c, level) for c in CIRCLES for level in LEVELS if self.oracle.circles[c].level != LEVELS[level]]

    def admin(self, what: str, _detail: int) -> None:
        """A's admin turns real names on or off, or trusts or stops trusting B or C."""
        if what == "real names":
            self.do_real_names(not self.oracle.real_names["A"])
        else:
            self.do_trust(what, not self.oracle.trust["A"][what])

    @invariant()
    def nothing_leaks(self) -> None:
        self.check()
