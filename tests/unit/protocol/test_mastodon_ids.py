"""Mastodon status ids: threads even, replies odd, both ways; nothing else parses."""

from __future__ import annotations

import pytest

from circlefed.protocol.mastodon_ids import parse_status_id, reply_status_id, thread_status_id


@pytest.mark.parametrize("row_id", [1, 2, 7, 123456789])
def test_thread_and_reply_ids_round_trip_and_never_meet(row_id):
    thread, reply = thread_status_id(row_id), reply_status_id(row_id)
    assert thread != reply
    assert parse_status_id(thread).kind == "thread" and parse_status_id(thread).row_id == row_id
    assert parse_status_id(reply).kind == "reply" and parse_status_id(reply).row_id == row_id


@pytest.mark.parametrize("raw", ["", "0", "1", "-4", "+4", " 4", "04", "4.0", "abc", "٤", "9" * 20])
def test_anything_else_names_no_row(raw):
    assert parse_status_id(raw) is None
