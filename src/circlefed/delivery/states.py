"""Delivery: the states of queued work (deliveries and inbox items) and the legal moves between them."""

from __future__ import annotations

from circlefed.errors import CirclefedError
from circlefed.storage.models import QueueState

S = QueueState

# Rows a worker may claim when they are due.
CLAIMABLE = frozenset({S.PENDING, S.RETRY_WAIT})
# Rows that still hold their place in a per-inbox ordering (an Update waits for its Create).
UNFINISHED = frozenset({S.PENDING, S.SENDING, S.RETRY_WAIT})
FINISHED = frozenset({S.DELIVERED, S.FAILED, S.GONE, S.CANCELLED, S.HELD, S.REJECTED})
# The queue proper: work not done yet, including inbox items held for a facilitator. Few rows however old the
# instance is (unlike finished ones), so health checks count these often and cheaply.
WAITING = UNFINISHED | {S.HELD}
# States `circlefed deliveries retry` acts on: failed rows return to pending, waiting ones become due now.
RETRYABLE_BY_OPERATOR = frozenset({S.FAILED, S.RETRY_WAIT})
# Finished states an operator may purge; rows still in the queue are never purged.
PURGEABLE = frozenset({S.DELIVERED, S.FAILED, S.GONE, S.CANCELLED, S.REJECTED})

TRANSITIONS: dict[QueueState, frozenset[QueueState]] = {
    S.PENDING: frozenset({S.SENDING, S.CANCELLED}),
    # HELD and REJECTED are verdicts of the inbox handler (policy gate) on inbound items.
    # SENDING -> PENDING is the return of an expired or released lease.
    S.SENDING: frozenset({S.DELIVERED, S.RETRY_WAIT, S.FAILED, S.GONE, S.HELD, S.REJECTED, S.PENDING}),
    S.RETRY_WAIT: frozenset({S.SENDING, S.CANCELLED}),
    # Operator moves: `circlefed deliveries retry` requeues a failed row; a facilitator releases a held item.
    S.FAILED: frozenset({S.PENDING}),
    S.DELIVERED: frozenset(),
    S.GONE: frozenset(),
    S.CANCELLED: frozenset(),
    S.HELD: frozenset({S.PENDING}),
    S.REJECTED: frozenset(),
}


class IllegalTransition(CirclefedError):
    """A queued row was asked to move somewhere its state does not allow."""

    status = 409
    public_message = "That change of state is not allowed."


def can_move(current: QueueState, target: QueueState) -> bool:
    return target in TRANSITIONS[QueueState(current)]


def check_move(current: QueueState, target: QueueState) -> None:
    """Raise IllegalTransition unless current -> target is a declared move."""
    if not can_move(current, target):
        raise IllegalTransition(f"cannot move from {QueueState(current).value} to {QueueState(target).value}")


def sources_of(target: QueueState) -> frozenset[QueueState]:
    """Every state a row may leave to reach target (the WHERE clause of a conditional update)."""
    return frozenset(state for state, targets in TRANSITIONS.items() if target in targets)
