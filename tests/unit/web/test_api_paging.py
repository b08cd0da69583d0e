"""Mastodon paging: max_id pages back, since_id and min_id forward (min_id: the page just above it), limits are
bounded, and the Link header names the next and previous pages at the instance's public address."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from circlefed.errors import BadRequest
from circlefed.web.api.paging import MAX_LIMIT, Page, link_header, page_of
from circlefed.web.keys import SITE

IDS = list(range(1, 101))


def test_newest_first_below_max_id():
    assert Page(max_id=50, since_id=None, min_id=None, limit=3).choose(IDS) == [49, 48, 47]
    assert Page(max_id=None, since_id=None, min_id=None, limit=3).choose(IDS) == [100, 99, 98]


def test_since_id_gives_the_newest_and_min_id_the_ones_just_above():
    assert Page(max_id=None, since_id=10, min_id=None, limit=3).choose(IDS) == [100, 99, 98]
    assert Page(max_id=None, since_id=None, min_id=10, limit=3).choose(IDS) == [13, 12, 11]
    assert Page(max_id=12, since_id=None, min_id=10, limit=3).choose(IDS) == [11]


def _request(path: str):
    app = web.Application()
    app[SITE] = SimpleNamespace(uris=SimpleNamespace(base="https://circles.example"))
    return make_mocked_request("GET", path, app=app)


def test_limits_and_cursors_are_read_and_bounded():
    page = page_of(_request("/api/v1/timelines/home?limit=500&max_id=77"))
    assert (page.limit, page.max_id, page.min_id) == (MAX_LIMIT, 77, None)
    assert page_of(_request("/api/v1/timelines/home")).limit == 20
    for bad in ("limit=ten", "max_id=-1", "min_id=1e5"):
        with pytest.raises(BadRequest):
            page_of(_request(f"/api/v1/timelines/home?{bad}"))


def test_link_names_older_and_newer_pages_keeping_other_parameters():
    request = _request("/api/v1/timelines/public?local=true&max_id=90&limit=2")
    link = link_header(request, [89, 88], full=True)["Link"]
    assert '<https://circles.example/api/v1/timelines/public?local=true&limit=2&max_id=88>; rel="next"' in link
    assert '<https://circles.example/api/v1/timelines/public?local=true&limit=2&min_id=89>; rel="prev"' in link
    assert "next" not in link_header(request, [89], full=False)["Link"]
    assert link_header(request, [], full=False) == {}
