"""AWS accounts: one home (``accounts`` in data/platform.yml); Terraform, the SCP, IAM policies, manifests,
pipelines and the bill name only those accounts, and the EU cell's bill lines sit in the account its SCP binds."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.cost.modelcheck import bill_account_errors
from dfp.io.platform import (
    account_ids_in,
    account_of,
    load_accounts,
    payer_account,
    resource_arn,
    resource_history,
)

ROOT = Path(__file__).resolve().parents[1]
EU_REGIONS = ("eu-west-1", "eu-central-1")
WRONG = "222222222222"


def _artifacts() -> list[Path]:
    """Every file outside the model that may name an account."""
    files = sorted((ROOT / "book/02-infrastructure/terraform").rglob("*.tf"))
    files += sorted((data_dir() / "security/scp").glob("*.json"))
    files += sorted((data_dir() / "security/iam").glob("*.json"))
    files += sorted((ROOT / "book/03-platform/manifests").glob("*.y*ml"))
    files += sorted((ROOT / "book/04-delivery/pipelines").glob("*.y*ml"))
    return files


def _unknown(text: str) -> set[str]:
    return account_ids_in(text) - {a.id for a in load_accounts()}


def _scp_eu_account() -> str:
    doc = json.loads((data_dir() / "security/scp/eu-region-lock.json").read_text())
    named = {a for st in doc["Statement"]
             for a in st.get("Condition", {}).get("StringNotEquals", {}).get("aws:ResourceAccount", [])}
    assert len(named) == 1, named
    return named.pop()


@pytest.fixture(scope="module")
def billing() -> pd.DataFrame:
    return pd.read_csv(data_dir() / "billing_daily.csv.gz", dtype={"BillingAccountId": str, "SubAccountId": str},
                       parse_dates=["ChargePeriodStart"], low_memory=False)


def test_model_accounts_one_payer_without_workloads() -> None:
    accounts = load_accounts()
    assert [a.id for a in accounts if a.payer] == [payer_account().id]
    assert not payer_account().envs and not payer_account().regions
    assert account_of("prod", "us-east-1") != account_of("prod", "eu-west-1")
    assert account_of("prod", "eu-central-1") == account_of("prod", "eu-west-1")


@pytest.mark.parametrize("path", _artifacts(), ids=lambda p: str(p.relative_to(ROOT)))
def test_artifacts_name_only_model_accounts(path: Path) -> None:
    text = path.read_text()
    assert not _unknown(text), f"{path.relative_to(ROOT)} names accounts {sorted(_unknown(text))} not in the model"
    seeded = text.replace(next(iter(account_ids_in(text)), "111122223333"), WRONG, 1) + f"\n# {WRONG}\n"
    assert _unknown(seeded) == {WRONG}


def test_artifacts_are_scanned() -> None:
    """The scan sees the ids the artifacts do carry (a scan that finds nothing cannot fail)."""
    found = set().union(*(account_ids_in(p.read_text()) for p in _artifacts()))
    assert found == {account_of("prod", "us-east-1").id, account_of("prod", "eu-west-1").id}


def test_eu_cell_account_agrees_with_scp_terraform_and_registry() -> None:
    eu = account_of("prod", "eu-west-1").id
    assert _scp_eu_account() == eu
    tf = ROOT / "book/02-infrastructure/terraform/environments"
    assert account_ids_in((tf / "prod-eu-west-1/data/main.tf").read_text()) == {eu}
    registry = (tf / "prod-us-east-1/registry/main.tf").read_text()
    assert f'registry_id = "{account_of("prod", "us-east-1").id}"' in registry
    assert f"arn:aws:iam::{eu}:root" in registry
    pipeline = yaml.safe_load((ROOT / "book/04-delivery/pipelines/build-and-promote.yml").read_text())
    assert pipeline["env"]["ECR_ACCOUNT"] == account_of("prod", "us-east-1").id


def test_bill_accounts_agree_with_model(billing: pd.DataFrame) -> None:
    assert bill_account_errors(billing) == []
    assert set(billing["BillingAccountId"]) == {payer_account().id}
    assert set(billing["SubAccountId"]) <= {a.id for a in load_accounts()}


def test_bill_eu_cell_in_the_scp_account(billing: pd.DataFrame) -> None:
    eu = billing.loc[billing["RegionId"].isin(EU_REGIONS)]
    assert len(eu) > 0
    assert set(eu["SubAccountId"]) == {_scp_eu_account()}
    arn_acct = eu["ResourceId"].fillna("").str.split(":").str[4].fillna("")
    assert set(arn_acct[arn_acct != ""]) == {_scp_eu_account()}


@pytest.mark.parametrize("seed", ["payer", "arn", "sub", "eu-in-us-account"])
def test_bill_account_errors_catch_seeded_wrong_accounts(billing: pd.DataFrame, seed: str) -> None:
    b = billing.copy()
    eu_arn = b["RegionId"].eq("eu-west-1") & b["ResourceId"].fillna("").str.contains(":111111111111:")
    i = b.index[eu_arn][0]
    if seed == "payer":
        b.loc[b.index[0], "BillingAccountId"] = WRONG
    elif seed == "arn":
        b.loc[i, "ResourceId"] = b.at[i, "ResourceId"].replace(":111111111111:", f":{WRONG}:")
    elif seed == "sub":
        b.loc[i, "SubAccountId"] = WRONG
    else:  # the EU line billed in the us-east-1 account, ARN and sub-account consistently wrong
        us = account_of("prod", "us-east-1")
        b.loc[i, "ResourceId"] = b.at[i, "ResourceId"].replace(":111111111111:", f":{us.id}:")
        b.loc[i, "SubAccountId"], b.loc[i, "SubAccountName"] = us.id, us.name
    assert bill_account_errors(b)
    if seed == "eu-in-us-account":
        eu = b.loc[b["RegionId"].isin(EU_REGIONS), "SubAccountId"]
        assert set(eu) != {_scp_eu_account()}


def test_resource_arn_uses_the_resource_account() -> None:
    row = {"kind": "kinesis-stream", "region": "eu-west-1", "env": "prod", "name": "events"}
    assert resource_arn(row) == f"arn:aws:kinesis:eu-west-1:{_scp_eu_account()}:stream/events"
    staging = {"kind": "eks-cluster", "region": "us-east-1", "env": "staging", "name": "staging-us-east-1"}
    assert account_of("staging", "us-east-1").id in resource_arn(staging)


def _write(tmp_path: Path, accounts: list[dict], name: str = "platform.yml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump({"accounts": accounts}))
    return p


GOOD = [{"id": "999988887777", "name": "mgmt", "payer": True, "env": [], "regions": []},
        {"id": "111122223333", "name": "prod", "payer": False, "env": ["prod"], "regions": ["any"]}]


@pytest.mark.parametrize("bad, match", [
    ([dict(GOOD[0], id=999988887777), GOOD[1]], "quoted 12-digit"),
    ([GOOD[0], dict(GOOD[1], id="999988887777")], "duplicate id"),
    ([dict(GOOD[0], payer=False), GOOD[1]], "exactly one payer"),
    ([dict(GOOD[0], env=["prod"], regions=["us-east-1"]), GOOD[1]], "holds no workloads"),
    ([GOOD[0], GOOD[1], dict(GOOD[1], id="444455556666", name="p2", regions=["eu-west-1"])], "held by"),
    ([GOOD[0], dict(GOOD[1], env=["qa"])], "unknown env"),
])
def test_accounts_validation_names_the_problem(tmp_path: Path, bad: list[dict], match: str) -> None:
    load_accounts(_write(tmp_path, GOOD))
    with pytest.raises(PlaybookError, match=match):
        load_accounts(_write(tmp_path, bad, "bad.yml"))


def test_account_of_unheld_env_raises(tmp_path: Path) -> None:
    p = _write(tmp_path, GOOD)
    assert account_of("prod", None, p).id == "111122223333"
    with pytest.raises(PlaybookError, match="no account holds env 'dev'"):
        account_of("dev", "us-east-1", p)


def test_every_modelled_resource_has_a_workload_account() -> None:
    h = resource_history().drop_duplicates("id")
    owners = {account_of(e, r) for e, r in zip(h["env"], h["region"], strict=True)}
    assert payer_account() not in owners
    assert {a.id for a in owners} == {a.id for a in load_accounts() if not a.payer}


@given(env=st.sampled_from(["prod", "staging", "dev", "sandbox"]),
       region=st.sampled_from([None, "us-east-1", "us-west-2", "eu-west-1", "eu-central-1"]))
def test_account_of_holds_the_env_and_never_the_payer(env: str, region: str | None) -> None:
    a = account_of(env, region)
    assert env in a.envs and not a.payer
    assert (region or "global") in a.regions or "any" in a.regions
