"""Mastodon status ids: they sort by publication time across threads and replies (apps order timelines by id),
name their row's kind, millisecond and low bits both ways; nothing else parses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from circlefed.protocol.mastodon_ids import parse_status_id, status_id

NOON = datetime(2026, 12, 7, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize("row_id", [1, 2, 7, 32767, 32768, 123456789])
def test_an_id_names_its_kind_millisecond_and_row(row_id):
    for kind in ("thread", "reply"):
        ref = parse_status_id(status_id(kind, row_id, NOON))
        assert ref.kind == kind and ref.names(row_id) and not ref.names(row_id + 1)
        start, end = ref.window()
        assert start <= NOON < end and end - start == timedelta(milliseconds=1)


def test_ids_sort_by_time_whatever_the_kind_or_row():
    earlier = status_id("reply", 999_999, NOON)
    later = status_id("thread", 1, NOON + timedelta(milliseconds=1))
    assert int(earlier) < int(later) and len(earlier) == len(later)
    assert status_id("thread", 5, NOON) != status_id("reply", 5, NOON)


@pytest.mark.parametrize("raw", ["", "0", "-4", "+4", " 4", "04", "4.0", "abc", "٤", "9" * 19, "9" * 20])
def test_anything_else_names_no_row(raw):
    assert parse_status_id(raw) is None
