"""The per-process quota cache keeps one encoded answer per ledger version and key."""

from __future__ import annotations

from app.services.evaluation import QuotaCache


def test_a_newer_version_drops_every_older_answer() -> None:
    cache = QuotaCache()
    cache._keep((1, 2025, None, "BY"), b"v1 BY")
    cache._keep((1, 2025, None, None), b"v1 all")
    cache._keep((2, 2025, None, "BY"), b"v2 BY")
    assert cache.json_at(2, year=2025, agreement=None, state="BY") == b"v2 BY"
    assert cache.json_at(1, year=2025, agreement=None, state="BY") is None
    assert cache.json_at(1, year=2025, agreement=None, state=None) is None


def test_an_answer_finished_after_a_newer_write_is_not_kept() -> None:
    cache = QuotaCache()
    cache._keep((5, 2025, None, "BY"), b"v5")
    cache._keep((4, 2025, None, "BY"), b"v4, computed late")
    assert cache.json_at(4, year=2025, agreement=None, state="BY") is None
    assert cache.json_at(5, year=2025, agreement=None, state="BY") == b"v5"
    assert all(key[0] == 5 for key in cache._computing | cache._json)


def test_the_oldest_key_goes_when_the_cache_is_full() -> None:
    cache = QuotaCache(size=2)
    for year in (2023, 2024, 2025):
        cache._keep((1, year, None, None), str(year).encode())
    assert cache.json_at(1, year=2023, agreement=None, state=None) is None
    assert cache.json_at(1, year=2025, agreement=None, state=None) == b"2025"
    assert len(cache._json) == 2
