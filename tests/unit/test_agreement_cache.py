"""Built agreements read back from the cache (app/catalog/cache.py) are the ones built from the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.catalog import cache
from app.catalog.loader import LoadedAgreement, load_directory
from app.services.catalog import shipped_agreements


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "csbm" / "agreements"


SHIPPED = load_directory(shipped_agreements())


@pytest.mark.parametrize("item", SHIPPED, ids=lambda item: item.agreement.id)
def test_every_shipped_agreement_comes_back_equal(item: LoadedAgreement) -> None:
    assert cache.decode(cache.encode(item.agreement)) == item.agreement
    assert cache.cached(item.sha256) is None
    cache.keep(item.sha256, item.agreement)
    assert cache.cached(item.sha256) == item.agreement


def test_a_formula_comes_back_working() -> None:
    with_formula = next(i for i in SHIPPED if any(r.limit.formula for r in i.agreement.quota_rules))
    back = cache.decode(cache.encode(with_formula.agreement))
    for before, after in zip(with_formula.agreement.quota_rules, back.quota_rules, strict=True):
        if before.limit.formula is not None:
            values = dict.fromkeys(before.limit.formula.names, 137)
            assert after.limit.formula.evaluate(values) == before.limit.formula.evaluate(values)


def test_an_entry_that_cannot_be_read_is_ignored(own_cache: Path) -> None:
    item = SHIPPED[0]
    cache.keep(item.sha256, item.agreement)
    (entry,) = own_cache.iterdir()
    for spoiled in (b"{not json", b'{"$": "Popen", "v": {}}', b'{"$x": 1}', b"[]"):
        entry.write_bytes(spoiled)
        assert cache.cached(item.sha256) is None


def test_an_entry_is_named_for_the_code_that_built_it(own_cache: Path) -> None:
    item = SHIPPED[0]
    cache.keep(item.sha256, item.agreement)
    (entry,) = own_cache.iterdir()
    assert entry.name == f"{item.sha256}.{cache._fingerprint()}.json"


def test_an_unwritable_cache_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    cache.keep(SHIPPED[0].sha256, SHIPPED[0].agreement)
    assert cache.cached(SHIPPED[0].sha256) is None


def test_what_is_no_domain_value_is_not_kept() -> None:
    with pytest.raises(TypeError):
        cache.encode(object())
