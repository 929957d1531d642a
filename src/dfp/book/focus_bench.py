"""The FOCUS scale benchmark (part of ``./run bench``; a report, not a timed test).

Writes a 10-million-row FOCUS export (the Nimbus Cloud sample of :mod:`dfp.generate.focus_sample`, CSV) to a
temporary folder, then measures in fresh processes, one at a time, wall time and peak resident memory of:

* ``monthly_cost_by.sql`` in DuckDB (``dfp cost report``'s query), memory capped at 1 GB, 2 threads;
* the same query on the export converted once to Parquet (what a large export should be stored as);
* ``export_guards.sql`` on the Parquet copy (duplicate rows, negative usage: the guard ``dfp cost report`` runs
  first; ``SELECT DISTINCT *`` over every column of a CSV is the slow step, so it is measured on Parquet);
* the baseline: pandas ``read_csv`` of only the five columns the query needs, then ``groupby().sum()``
  (the most favourable pandas version: reading every column needs several times the memory).

Goal: DuckDB at most 1 GB peak and faster than the baseline. Run alone with
``python -m dfp.book.focus_bench [--rows N]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dfp.generate.focus_sample import write_sample_export

__all__ = ["GOAL_PEAK_MB", "run_focus_bench"]

GOAL_PEAK_MB = 1024.0

_PRELUDE = """
import json, sys, time
t0 = time.perf_counter()
"""
# VmHWM: this process's peak resident set (ru_maxrss would carry the parent's peak across fork + exec)
_REPORT = """
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": time.perf_counter() - t0, "peak_mb": hwm / 1024.0, "rows": int(n)}))
"""
_DUCKDB_MONTHLY = """
from dfp.cost import focus_sql
con = focus_sql.connect(sys.argv[1], threads=2)
n = len(focus_sql.monthly_cost(con, "ServiceName"))
"""
_DUCKDB_GUARDS = """
from dfp.cost import focus_sql
con = focus_sql.connect(sys.argv[1], threads=2)
g = focus_sql.export_guards(con)
n = g["duplicate_rows"] + g["negative_usage_rows"]
"""
_PANDAS = """
import pandas as pd
cols = ["ChargePeriodStart", "ChargeCategory", "BillingCurrency", "ServiceName", "EffectiveCost"]
df = pd.read_csv(sys.argv[1], usecols=cols)
u = df[df["ChargeCategory"] == "Usage"]
month = u["ChargePeriodStart"].str.slice(0, 7)
n = len(u.groupby([month, u["BillingCurrency"], u["ServiceName"]])["EffectiveCost"].sum())
"""


def _measure(body: str, path: Path) -> dict[str, float]:
    code = _PRELUDE + body + _REPORT
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_focus_bench(rows: int = 10_000_000) -> dict[str, dict[str, float]]:
    """Generate the export, run the three measurements, print one line each; return the figures."""
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="focus-bench-") as tmp:
        path = Path(tmp) / f"focus-{rows}.csv"
        t0 = time.perf_counter()
        write_sample_export(path, rows=rows)
        size_gb = path.stat().st_size / 1e9
        print(f"{time.perf_counter() - t0:8.2f} s  focus: wrote a {rows:,}-row FOCUS export ({size_gb:.2f} GB CSV)",
              flush=True)
        parquet = path.with_suffix(".parquet")
        t0 = time.perf_counter()
        write_sample_export(parquet, rows=rows)   # the same rows (same seed), as Parquet
        print(f"{time.perf_counter() - t0:8.2f} s  focus: the same export as Parquet "
              f"({parquet.stat().st_size / 1e9:.2f} GB)", flush=True)
        for name, body, src in (("pandas read_csv + groupby (baseline, 5 columns)", _PANDAS, path),
                                ("DuckDB monthly_cost_by.sql", _DUCKDB_MONTHLY, path),
                                ("DuckDB monthly_cost_by.sql on Parquet", _DUCKDB_MONTHLY, parquet),
                                ("DuckDB export_guards.sql on Parquet", _DUCKDB_GUARDS, parquet)):
            r = _measure(body, src)
            results[name] = r
            print(f"{r['seconds']:8.2f} s  focus: {name}, peak {r['peak_mb']:,.0f} MB", flush=True)
    base = results["pandas read_csv + groupby (baseline, 5 columns)"]
    for name in ("DuckDB monthly_cost_by.sql", "DuckDB monthly_cost_by.sql on Parquet"):
        q = results[name]
        fast, small = q["seconds"] < base["seconds"], q["peak_mb"] <= GOAL_PEAK_MB
        print(f"          focus: {name}: {base['seconds'] / q['seconds']:.1f}x the baseline's speed at "
              f"{q['peak_mb'] / base['peak_mb']:.0%} of its peak memory; goal <= {GOAL_PEAK_MB:,.0f} MB "
              f"{'met' if small else 'NOT met'}, faster than the baseline {'met' if fast else 'NOT met'}", flush=True)
    return results


if __name__ == "__main__":  # pragma: no cover
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    run_focus_bench(ap.parse_args().rows)
