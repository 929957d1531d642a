"""The one disk cache (dfp.io.cache): content keys, atomic writes, misses instead of crashes."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfp.core.errors import PlaybookError
from dfp.io import cache
from dfp.io.data import load


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(d))
    return d


def _text(kind, key, compute):
    return cache.cached(kind, key, ".txt", compute, lambda p: p.read_text(), lambda v, p: p.write_text(v))


def test_key_follows_file_and_folder_content(tmp_path):
    f = tmp_path / "d" / "x.csv"
    f.parent.mkdir()
    f.write_text("a\n1\n")
    k_file, k_dir = cache.content_key(f), cache.content_key(f.parent)
    f.write_text("a\n2\n")
    assert cache.content_key(f) != k_file
    assert cache.content_key(f.parent) != k_dir
    (tmp_path / "d" / "__pycache__").mkdir()
    (tmp_path / "d" / "__pycache__" / "x.pyc").write_bytes(b"noise")
    assert cache.content_key(f.parent) == cache.content_key(f.parent)  # byte-code is not content


@given(st.lists(st.text(max_size=5), max_size=4), st.lists(st.text(max_size=5), max_size=4))
def test_key_tells_different_part_lists_apart(a, b):
    # parts are length-prefixed: ("ab", "c") and ("a", "bc") must not collide
    assert (cache.content_key(*a) == cache.content_key(*b)) == (a == b)


def test_store_then_fetch_computes_once_and_leaves_no_temporary_file(cache_dir):
    calls = []
    for _ in range(3):
        assert _text("demo", "k1", lambda: calls.append(1) or "v") == "v"
    assert len(calls) == 1
    assert sorted(p.name for p in (cache_dir / "demo").iterdir()) == ["demo-k1.txt"]


def test_keep_others_false_keeps_one_version(cache_dir):
    for key in ("a", "b"):
        cache.store("big", key, ".txt", lambda p: p.write_text("x"), keep_others=False)
    assert [p.name for p in (cache_dir / "big").iterdir()] == ["big-b.txt"]


def test_unwritable_cache_folder_is_a_miss_not_a_crash(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # a folder cannot be created below a file, even as root
    monkeypatch.setenv(cache.CACHE_ENV, str(blocker / "cache"))
    calls = []
    assert _text("demo", "k", lambda: calls.append(1) or "v") == "v"
    assert _text("demo", "k", lambda: calls.append(1) or "v") == "v"
    assert len(calls) == 2
    assert cache.store_json("demo", "k", {"a": 1}) is None


def test_damaged_or_vanished_entry_is_recomputed(cache_dir):
    cache.store_json("j", "k", {"a": 1})
    path = cache.entry("j", "k", ".json")
    path.write_text("{trunc")
    assert cache.fetch_json("j", "k") is None
    assert not path.exists()
    shutil.rmtree(cache_dir)
    assert cache.fetch_json("j", "k") is None
    assert cache.store_json("j", "k", {"a": 2}) is not None  # the folder is recreated
    assert cache.fetch_json("j", "k") == {"a": 2}


def test_off_disables_caching(monkeypatch, tmp_path):
    monkeypatch.setenv(cache.CACHE_ENV, "off")
    assert cache.cache_root() is None and cache.entry("x", "k", ".txt") is None
    assert _text("x", "k", lambda: "v") == "v"


def test_loader_cache_is_keyed_on_content(cache_dir, data_copy):
    first = load("customers", data_copy)
    assert list((cache_dir / "data").glob("data-*.pkl")), "the validated frame was not cached"
    pd.testing.assert_frame_equal(first, load("customers", data_copy))
    df = pd.read_csv(data_copy / "customers.csv", dtype=str, keep_default_na=False)
    df.loc[0, "tier"] = "platinum-plus"
    df.to_csv(data_copy / "customers.csv", index=False)
    with pytest.raises(PlaybookError, match=r"customers.csv: column 'tier', row 1"):
        load("customers", data_copy)  # a changed file is validated afresh, never served from the cache


def test_loader_works_from_a_read_only_checkout(tmp_path, monkeypatch, data_copy):
    blocker = tmp_path / "ro"
    blocker.write_text("")
    monkeypatch.setenv(cache.CACHE_ENV, str(blocker / "cache"))
    assert len(load("customers", data_copy)) > 0
