"""Queued work only moves along the declared states of DESIGN.md."""

import pytest

from circlefed.delivery.states import (
    CLAIMABLE,
    FINISHED,
    UNFINISHED,
    IllegalTransition,
    can_move,
    check_move,
    sources_of,
)
from circlefed.storage.models import QueueState as S


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.PENDING, S.SENDING),
        (S.SENDING, S.DELIVERED),
        (S.SENDING, S.RETRY_WAIT),
        (S.SENDING, S.FAILED),
        (S.SENDING, S.GONE),
        (S.RETRY_WAIT, S.SENDING),
        (S.PENDING, S.CANCELLED),
        (S.RETRY_WAIT, S.CANCELLED),
        (S.SENDING, S.PENDING),  # an expired lease
        (S.FAILED, S.PENDING),  # operator retry
    ],
)
def test_the_documented_moves_are_legal(source, target):
    assert can_move(source, target)
    check_move(source, target)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.PENDING, S.DELIVERED),  # never delivered without being claimed
        (S.DELIVERED, S.PENDING),  # a delivered row is never sent again
        (S.DELIVERED, S.SENDING),
        (S.SENDING, S.CANCELLED),  # in flight: finish or release, not cancel
        (S.GONE, S.PENDING),
        (S.CANCELLED, S.PENDING),
        (S.RETRY_WAIT, S.DELIVERED),
    ],
)
def test_other_moves_are_refused(source, target):
    assert not can_move(source, target)
    with pytest.raises(IllegalTransition, match=f"from {source.value} to {target.value}"):
        check_move(source, target)


def test_state_groups_partition_the_queue():
    assert {S.PENDING, S.RETRY_WAIT} == CLAIMABLE
    assert UNFINISHED.isdisjoint(FINISHED)
    assert set(S) == UNFINISHED | FINISHED
    assert sources_of(S.SENDING) == CLAIMABLE
