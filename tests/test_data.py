"""Loading validates every file; a bad file fails naming the file, the column and the row."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from dfp.core.errors import PlaybookError
from dfp.io.data import load
from dfp.io.schemas import SCHEMAS


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_committed_file_loads_with_its_schema(name):
    df = load(name, cache=False)
    assert len(df) > 0
    assert list(df.columns) == [c.name for c in SCHEMAS[name].columns]


def test_cached_load_equals_fresh_load():
    pd.testing.assert_frame_equal(load("customers", cache=True), load("customers", cache=False))


def _edit_csv(path, edit):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    changed = edit(df)
    (df if changed is None else changed).to_csv(path, index=False)


def test_missing_column(data_copy):
    _edit_csv(data_copy / "customers.csv", lambda df: df.drop(columns="tier"))
    with pytest.raises(PlaybookError, match=r"customers.csv: missing column\(s\) \['tier'\]"):
        load("customers", data_copy, cache=False)


def test_bad_timestamp_names_row(data_copy):
    def edit(df):
        df.loc[4, "signup_date"] = "2025-02-30"
    _edit_csv(data_copy / "customers.csv", edit)
    with pytest.raises(PlaybookError, match=r"customers.csv: column 'signup_date', row 5: not a valid date") as exc:
        load("customers", data_copy, cache=False)
    assert "2025-02-30" in str(exc.value)


def test_bad_number_in_compressed_file(data_copy):
    path = data_copy / "traffic_hourly.csv.gz"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[100, "events"] = "lots"
    with gzip.open(path, "wt") as fh:
        df.to_csv(fh, index=False)
    with pytest.raises(PlaybookError, match=r"traffic_hourly.csv.gz: column 'events', row 101: not a number"):
        load("traffic_hourly", data_copy, cache=False)


def test_out_of_range_and_category(data_copy):
    def edit(df):
        df.loc[2, "cost_attributed_share"] = "1.7"
    _edit_csv(data_copy / "legacy_baseline_monthly.csv", edit)
    with pytest.raises(PlaybookError, match=r"column 'cost_attributed_share', row 3: out of range \[0, 1\]"):
        load("legacy_baseline_monthly", data_copy, cache=False)

    def edit2(df):
        df.loc[0, "tier"] = "startup"
    _edit_csv(data_copy / "customers.csv", edit2)
    with pytest.raises(PlaybookError, match=r"column 'tier', row 1: not one of"):
        load("customers", data_copy, cache=False)


def test_duplicate_key(data_copy):
    _edit_csv(data_copy / "customers.csv", lambda df: df.loc.__setitem__((1, "customer_id"), df.loc[0, "customer_id"]))
    with pytest.raises(PlaybookError, match=r"customers.csv: row 2: duplicate key"):
        load("customers", data_copy, cache=False)


def test_missing_file_and_unknown_dataset(data_copy):
    (data_copy / "revenue_monthly.csv").unlink()
    with pytest.raises(PlaybookError, match=r"data file not found: .*revenue_monthly\.csv"):
        load("revenue_monthly", data_copy)
    with pytest.raises(PlaybookError, match="unknown dataset 'nope'"):
        load("nope")


def test_empty_required_value(data_copy):
    def edit(df):
        df.loc[7, "region"] = ""
    _edit_csv(data_copy / "customers.csv", edit)
    with pytest.raises(PlaybookError, match=r"column 'region', row 8: empty value in a required column"):
        load("customers", data_copy, cache=False)
