"""Where the package finds its folders: the data folder can be pointed elsewhere, reference facts have one home."""

from __future__ import annotations

from pathlib import Path

import pytest

from dfp.core import paths
from dfp.core.errors import PlaybookError
from dfp.io.external import load_facts


def test_data_dir_defaults_to_the_repository(monkeypatch):
    monkeypatch.delenv(paths.DATA_DIR_ENV, raising=False)
    assert paths.data_dir() == paths.repo_root() / "data"


def test_data_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path))
    assert paths.data_dir() == tmp_path
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path / "missing"))
    with pytest.raises(PlaybookError, match="DFP_DATA_DIR must name a folder"):
        paths.data_dir()


def test_reference_facts_have_one_home():
    """In the repository the packaged reference file is a link to data/, not a second copy."""
    ref = Path(paths.__file__).resolve().parents[1] / "reference" / "external_facts.yml"
    assert ref.is_symlink()
    assert paths.reference_file("external_facts.yml").resolve() == (paths.repo_root() / "data" / "external_facts.yml").resolve()
    assert load_facts() == load_facts(paths.repo_root() / "data" / "external_facts.yml")
    with pytest.raises(PlaybookError, match=r"no reference file 'nope\.yml'"):
        paths.reference_file("nope.yml")


def test_reference_facts_do_not_follow_the_data_dir(monkeypatch, tmp_path):
    """A user's data folder holds their inputs; the cited facts still come from the package."""
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path))
    assert "benchmarks.dora2024_elite_lead_time_h" in load_facts()


def test_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("DFP_CACHE_DIR", str(tmp_path))
    assert paths.cache_dir() == tmp_path
    monkeypatch.delenv("DFP_CACHE_DIR")
    assert paths.cache_dir() == paths.repo_root() / "_build" / "cache"
