"""The platform model over time (``resources`` in data/platform.yml, dfp.io.platform): its reader's rules."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.io.platform import (
    KINDS,
    daily_setting,
    live_share,
    load_resources,
    resource,
    resource_arn,
    resource_history,
    resources_at,
)
from dfp.io.system import load_system


def _write_model(tmp_path: Path, edit) -> Path:
    """A copy of data/platform.yml with ``edit(resources)`` applied (the rest of data/ is the repository's)."""
    doc = yaml.safe_load((data_dir() / "platform.yml").read_text(encoding="utf-8"))
    edit(doc["resources"])
    p = tmp_path / "platform.yml"
    p.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return p


def test_every_resource_has_known_kind_and_first_change_sets_everything():
    h = load_resources()
    assert set(h["kind"]) <= set(KINDS)
    first = h[h["change"] == 0]
    for kind, settings_ in zip(first["kind"], first["settings"], strict=True):
        assert set(KINDS[kind]) - {"shards"} <= set(settings_)


def test_changes_take_effect_from_their_moment():
    assert resource("stream-us-east-1", "2025-07")["capacity_mode"] == "on-demand"
    assert resource("stream-us-east-1", "2025-08")["capacity_mode"] == "provisioned"
    assert resource("stream-us-east-1", "2025-08")["retention_h"] == 168.0   # carried over from the first change
    inc = load_system().incident("INC-05")
    assert resource("processors-us-east-1", inc.impact_start)["log_level"] == "debug"
    assert resource("processors-us-east-1", inc.impact_start - pd.Timedelta(1, "s"))["log_level"] == "info"
    assert resource("processors-us-east-1", inc.impact_end)["log_level"] == "info"
    # the S3 gateway endpoint is INC-05's fix: absent before its end, present after
    assert "s3-endpoint-us-east-1" not in set(resources_at(inc.impact_end - pd.Timedelta(1, "s"))["id"])
    assert "s3-endpoint-us-east-1" in set(resources_at(inc.impact_end)["id"])


def test_resources_arrive_in_their_month_and_leave_at_until():
    system = load_system()
    before_eu = resources_at("2025-03")
    assert not (before_eu["region"] == "eu-west-1").any()
    assert (resources_at("2025-04")["region"] == "eu-west-1").any()   # live_from 2025-04-14: live at the month's end
    assert "dlq-us-east-1" not in set(resources_at("2026-01")["id"])
    assert "dlq-us-east-1" in set(resources_at("2026-02")["id"])
    legacy_end = system.incident("INC-06").impact_end
    assert "role-legacy-analytics" in set(resources_at(legacy_end - pd.Timedelta(1, "s"))["id"])
    assert "role-legacy-analytics" not in set(resources_at(legacy_end)["id"])


def test_daily_setting_weights_partial_days():
    inc = load_system().incident("INC-05")
    days = pd.date_range(inc.impact_start.normalize() - pd.Timedelta(days=1), inc.impact_end.normalize(),
                         freq="D")
    share = daily_setting("processors-us-east-1", "log_level=debug", days)
    assert share[0] == 0.0 and share[1:-1].min() == 1.0
    assert share[-1] == pytest.approx(inc.impact_end.hour / 24)
    total_h = share.sum() * 24
    assert total_h == pytest.approx((inc.impact_end - inc.impact_start) / pd.Timedelta(hours=1))
    nat = daily_setting("nat-us-east-1", "count", pd.date_range("2025-02-27", periods=4, freq="D", tz="UTC"))
    assert nat.tolist() == [2.0, 2.0, 3.0, 3.0]


def test_live_share_is_zero_before_and_one_after():
    days = pd.date_range("2024-11-01", "2026-10-31", freq="D", tz="UTC")
    s = live_share("dlq-eu-west-1", days)
    first = np.argmax(s > 0)
    assert days[first] == pd.Timestamp("2026-02-01", tz="UTC") and s[first:].min() == 1.0 and s[:first].max() == 0.0


def test_arn_names_the_resource():
    r = resource("nodes-prod-eu-west-1", "2026-10")
    assert resource_arn(r, "1") == "arn:aws:eks:eu-west-1:1:nodegroup/prod-eu-west-1/workers"


def test_history_has_one_row_per_change_with_intervals():
    h = resource_history()
    s = h[h["id"] == "nat-us-east-1"]
    assert list(s["count"]) == [2.0, 3.0]
    assert s["end"].iloc[0] == s["start"].iloc[1] and pd.isna(s["end"].iloc[1])


@pytest.mark.parametrize(("edit", "message"), [
    (lambda rs: rs[0].update(kind="eks-galaxy"), "unknown kind 'eks-galaxy'"),
    (lambda rs: rs[0]["changes"][0].update(shards=3), "eks-prod-us-east-1: changes[0].shards: kind 'eks-cluster' has"),
    (lambda rs: rs[4]["changes"][0].update(min_nodes="three"), "nodes-prod-us-east-1: changes[0].min_nodes must be"),
    (lambda rs: rs[4]["changes"][0].update(sizing="vibes"), "sizing must be one of"),
    (lambda rs: rs[0].update(component="warp-drive"), "component 'warp-drive' is not in architecture.yml"),
    (lambda rs: rs.append(dict(rs[0])), "eks-prod-us-east-1: id written twice"),
    (lambda rs: rs[0]["changes"].append({"from": "2024-01"}), "is not after the change before it"),
    (lambda rs: rs[0]["changes"][0].update({"from": "someday"}), "expected YYYY-MM, YYYY-MM-DD"),
    (lambda rs: rs[0].pop("team"), "eks-prod-us-east-1: missing key 'team'"),
    (lambda rs: next(r for r in rs if r["id"] == "state-us-east-1")["changes"][0].update(kms_key="key-nowhere"),
     "kms_key names 'key-nowhere'"),
    (lambda rs: next(r for r in rs if r["id"] == "s3-endpoint-us-east-1").pop("free"), "needs a 'free' reason"),
])
def test_bad_models_are_refused_by_name(tmp_path, edit, message):
    p = _write_model(tmp_path, edit)
    with pytest.raises(PlaybookError, match=message.replace("(", r"\(").replace("[", r"\[")):
        load_resources(p)


def test_the_repository_model_passes_the_same_reader(tmp_path):
    p = tmp_path / "platform.yml"
    shutil.copy(data_dir() / "platform.yml", p)
    assert len(load_resources(p)) == len(load_resources())


_MONTHS = pd.period_range("2024-11", "2026-10", freq="M")


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(0, len(_MONTHS) - 1), min_size=1, max_size=5, unique=True),
       st.lists(st.integers(1, 20), min_size=5, max_size=5), st.integers(0, len(_MONTHS) - 1))
def test_property_a_change_holds_from_its_month_until_the_next(tmp_path_factory, idx, values, probe):
    """For any list of changes, the setting at a month is the value of the last change at or before it."""
    idx = sorted(idx)
    months = [str(_MONTHS[i]) for i in idx]

    def edit(rs):
        nat = next(r for r in rs if r["id"] == "nat-staging-us-east-1")
        nat["changes"] = [{"from": m, "count": v} for m, v in zip(months, values, strict=False)]

    p = _write_model(tmp_path_factory.mktemp("m"), edit)
    month = str(_MONTHS[probe])
    before = [k for k, m in enumerate(months) if m <= month]
    live = set(resources_at(month, p)["id"])
    if not before:
        assert "nat-staging-us-east-1" not in live
    else:
        assert "nat-staging-us-east-1" in live
        assert resource("nat-staging-us-east-1", month, p)["count"] == float(values[before[-1]])


def _bill(days: pd.DatetimeIndex, usd: np.ndarray, gb: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"ChargeCategory": "Usage", "ChargePeriodStart": days, "EffectiveCost": usd,
                         "Tags": '{"app":"log-pipeline"}', "SkuId": "NatGateway-Bytes", "PricingQuantity": gb})


def test_incident_cost_is_the_excess_over_the_lines_own_baseline():
    from dfp.cost.incident import incident_cost

    inc = load_system().incident("INC-05")
    days = pd.date_range(inc.impact_start.normalize() - pd.Timedelta(days=20), periods=40, freq="D")
    during = (days >= inc.impact_start.normalize()) & (days <= inc.impact_end.normalize())
    usd, gb = np.where(during, 12.0, 2.0), np.where(during, 210.0, 10.0)
    c = incident_cost(_bill(days, usd, gb), inc)
    assert c.days == int(during.sum())
    assert c.excess_usd == pytest.approx(10.0 * during.sum())
    assert c.excess_nat_gb == pytest.approx(200.0 * during.sum())
    assert (c.baseline_usd_per_day, c.peak_usd_per_day) == (2.0, 12.0)
    with pytest.raises(PlaybookError, match="no usage line is tagged"):
        incident_cost(_bill(days, usd, gb), inc, apps=("nothing",))


def test_a_replica_follows_its_source_regions_live_date():
    h = resource_history()
    eu_live = load_system().region("eu-west-1").live_from
    for rid in ("events-replica-eu-central-1", "key-replica-eu-central-1"):
        assert h.loc[h["id"] == rid, "start"].min() == eu_live


def test_the_model_and_the_sizing_policies_name_the_same_numbers():
    """One home per number: where a policy section and the model both carry a setting, they agree at month 24."""
    from dfp.book.params import PAGE_DEFAULTS
    from dfp.io.policies import load_policies

    pol = load_policies()
    now = resources_at("2026-10").set_index("id")
    streams = now[now["kind"] == "kinesis-stream"]
    assert len(streams) == 2 and (streams["retention_h"] == pol["stream"]["retention_h"]).all()
    rds = now.loc[["config-db-us-east-1", "config-db-eu-west-1"]]
    assert (rds["storage_gb"] == pol["recovery"]["stores"]["metadata-rds"]["size_gb"]).all()
    nodes = now[(now["kind"] == "eks-nodegroup") & (now["env"] == "prod")]
    assert set(nodes["instance_type"]) == {PAGE_DEFAULTS["kubernetes-capacity"]["node_type"]}
    assert set(nodes["instance_type"]) <= set(pol["kubernetes"]["node_types"])
