"""The kept pages' own rules (web/page_cache.py): a page is used only at its revision and age, and the cache stays
within its count and its bytes, dropping the least recently used first."""

from __future__ import annotations

from circlefed.web import page_cache
from circlefed.web.page_cache import MAX_AGE, KeptPage, PageCache


def kept(revision: int = 1, at: float = 0.0, size: int = 10) -> KeptPage:
    return KeptPage(revision, at, b"x" * size, (("Content-Type", "text/html"),))


def test_a_page_is_used_only_at_the_revision_it_was_made_at_and_within_its_age():
    cache = PageCache(10)
    cache.keep("/c/grief", kept(revision=7, at=100.0))
    assert cache.fresh("/c/grief", 7, 100.0 + MAX_AGE) is not None
    assert cache.fresh("/c/grief", 8, 101.0) is None
    assert cache.fresh("/c/grief", 7, 100.0 + MAX_AGE + 0.1) is None
    assert cache.fresh("/c/other", 7, 101.0) is None


def test_beyond_its_entries_the_least_recently_used_page_goes_first():
    cache = PageCache(2)
    cache.keep("/a", kept())
    cache.keep("/b", kept())
    assert cache.fresh("/a", 1, 1.0) is not None  # /a is now the most recently used
    cache.keep("/c", kept())
    assert len(cache) == 2 and cache.fresh("/b", 1, 1.0) is None and cache.fresh("/a", 1, 1.0) is not None


def test_the_kept_bytes_stay_within_their_budget(monkeypatch):
    monkeypatch.setattr(page_cache, "MAX_BYTES", 25)
    cache = PageCache(100)
    for key in ("/a", "/b", "/c"):
        cache.keep(key, kept(size=10))
    assert len(cache) == 2 and cache.fresh("/a", 1, 1.0) is None
    cache.keep("/b", kept(size=20))  # a page kept again replaces its old bytes
    assert len(cache) == 1 and cache.fresh("/b", 1, 1.0) is not None
