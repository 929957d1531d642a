"""The network address plan: VPC and subnet CIDRs per environment, region, AZ and era, and its checks.

=======================  ======================================================================
``vpc_cidr``              an environment's VPC block from the region index (prod i -> 10.i.0.0/16)
``carve_subnets``         consecutive, aligned subnets of each tier inside a VPC, one per AZ slot
``address_plan``          the whole plan as a table (every environment, region, tier, AZ slot)
``usable_ips``            addresses AWS leaves usable in a subnet (size - 5 reserved)
``overlaps``              every pair of overlapping CIDRs in a list
``subnet_headroom``       addresses needed vs usable per subnet, and the growth multiple left
=======================  ======================================================================

Uses only the standard library's ``ipaddress``; the Terraform in book/02-infrastructure must carry
exactly these CIDRs (a test parses the HCL and compares).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

import pandas as pd

from dfp.core.checks import check_int_range, check_non_negative
from dfp.core.errors import PlaybookError

__all__ = ["address_plan", "address_space", "carve_subnets", "overlaps", "subnet_growth_room", "subnet_headroom", "usable_ips",
           "vpc_cidr"]

_ERAS = ("mvp", "full-platform", "scale")


def vpc_cidr(supernet: str, prefix: int, index: int) -> str:
    """The ``index``-th block of size ``/prefix`` in ``supernet``.

    >>> vpc_cidr("10.0.0.0/8", 16, 17)
    '10.17.0.0/16'
    """
    net = ipaddress.ip_network(supernet)
    p = check_int_range("prefix", prefix, net.prefixlen, 30)
    n = 2 ** (p - net.prefixlen)
    i = check_int_range("index", index, 0, n - 1)
    return str(list(net.subnets(new_prefix=p))[i]) if n <= 4096 else str(
        ipaddress.ip_network((int(net.network_address) + i * 2 ** (32 - p), p)))


def carve_subnets(vpc: str, tiers: Sequence[Mapping[str, Any]], slots: int) -> list[tuple[str, int, str]]:
    """Carve ``slots`` subnets per tier, tier after tier, each aligned to its own size.

    Returns ``(tier, slot, cidr)`` rows. Raises when the tiers do not fit the VPC.

    >>> rows = carve_subnets("10.1.0.0/16", [{"name": "private", "prefix": 19}, {"name": "public", "prefix": 24}], 2)
    >>> [cidr for _, _, cidr in rows]
    ['10.1.0.0/19', '10.1.32.0/19', '10.1.64.0/24', '10.1.65.0/24']
    """
    net = ipaddress.ip_network(vpc)
    s = check_int_range("slots", slots, 1, 16)
    cursor = int(net.network_address)
    end = int(net.broadcast_address) + 1
    rows = []
    for t in tiers:
        p = check_int_range(f"tiers.{t['name']}.prefix", t["prefix"], net.prefixlen, 28)
        size = 2 ** (32 - p)
        cursor = -(-cursor // size) * size  # align up
        for slot in range(s):
            if cursor + size > end:
                raise PlaybookError(f"carve_subnets: tier {t['name']!r} slot {slot} does not fit in {vpc}")
            rows.append((t["name"], slot, str(ipaddress.ip_network((cursor, p)))))
            cursor += size
    return rows


def address_plan(network: Mapping[str, Any], regions: Sequence[str], envs: Sequence[str] = ("prod", "staging"),
                 reserved_per_subnet: int = 5, region_first_era: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The full plan: one row per environment, region, tier and AZ slot.

    Columns: env, region, vpc, tier, az_slot, cidr, usable_ips, first_era (the first era, no
    earlier than the region's own first era, whose AZ count uses the slot; else ``reserved``).
    """
    idx = network["region_index"]
    azs_by_era = network["azs_by_era"]
    rows = []
    for env in envs:
        for region in regions:
            if region not in idx:
                raise PlaybookError(f"network.region_index has no region {region!r}")
            i = idx[region] + (network["staging_offset"] if env == "staging" else 0)
            vpc = vpc_cidr(network["supernet"], network["vpc_prefix"], i)
            for tier, slot, cidr in carve_subnets(vpc, network["tiers"], network["az_slots"]):
                start = _ERAS.index((region_first_era or {}).get(region, _ERAS[0]))
                first = next((e for e in _ERAS[start:] if azs_by_era[e] > slot), "reserved")
                rows.append({"env": env, "region": region, "vpc": vpc, "tier": tier, "az_slot": slot, "cidr": cidr,
                             "usable_ips": usable_ips(cidr, reserved_per_subnet), "first_era": first})
    return pd.DataFrame(rows)


def usable_ips(cidr: str, reserved: int = 5) -> int:
    """Addresses usable in a subnet: its size minus the ``reserved`` ones (AWS reserves 5).

    >>> usable_ips("10.0.0.0/24")
    251
    """
    n = ipaddress.ip_network(cidr).num_addresses
    return max(0, n - reserved)


def overlaps(cidrs: Sequence[str]) -> list[tuple[str, str]]:
    """Every pair of CIDRs that overlap (empty when the plan is clean).

    >>> overlaps(["10.0.0.0/16", "10.1.0.0/16", "10.0.128.0/20"])
    [('10.0.0.0/16', '10.0.128.0/20')]
    """
    nets = [ipaddress.ip_network(c) for c in cidrs]
    return [(str(a), str(b)) for a, b in combinations(nets, 2) if a.overlaps(b)]


def subnet_headroom(usable: int, needed: float) -> float:
    """Growth multiple left in a subnet: ``usable / needed`` (``inf`` when nothing is needed).

    >>> subnet_headroom(8187, 1000)
    8.187
    """
    u = check_non_negative("usable", usable)
    n = check_non_negative("needed", needed)
    return float("inf") if n == 0 else u / n


def address_space(prod_plan: pd.DataFrame, reserved_per_subnet: int, vpc_prefix: int) -> pd.DataFrame:
    """Addresses of each region's VPC by the era its subnets were first used in, plus ``unallocated``
    (columns in story order), from the prod rows of :func:`address_plan`."""
    space = prod_plan.assign(addresses=prod_plan["usable_ips"] + reserved_per_subnet).pivot_table(
        index="region", columns="first_era", values="addresses", aggfunc="sum").fillna(0)
    space["unallocated"] = 2 ** (32 - vpc_prefix) - space.sum(axis=1)
    return space[[c for c in ["mvp", "full-platform", "scale", "reserved", "unallocated"] if c in space.columns]]


def subnet_growth_room(usable_by_tier: pd.Series, nodes_per_az: int, max_pods_per_node: float,
                       data_ips: int = 16, public_ips: int = 8) -> pd.DataFrame:
    """Per tier: usable and needed addresses in one AZ and the growth room (:func:`subnet_headroom`).
    The private tier needs one address per pod slot plus one per node: ``nodes x (max_pods + 1)``."""
    need = pd.Series({"private": nodes_per_az * (max_pods_per_node + 1), "data": data_ips, "public": public_ips})
    room = pd.DataFrame({"usable_ips": usable_by_tier, "needed_ips": need})
    room["growth_room_x"] = [subnet_headroom(u, n) for u, n in zip(room["usable_ips"], room["needed_ips"], strict=True)]
    return room
