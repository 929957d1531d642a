"""``dfp focus check PATH`` and ``dfp cost report PATH``: the book's FOCUS tooling on a reader's own export.

==================================  ==========================================================================
``focus_check(path, scope)``         print the conformance report (every rule: pass / fail / warn / n/a);
                                     returns 1 when a MUST rule fails, else 0
``cost_report(path, by, top)``       print monthly usage cost by a column (``monthly_cost_by.sql``) and the
                                     billed / amortised totals (``charge_summary.sql``), through DuckDB
==================================  ==========================================================================

``focus check`` loads the export into memory (pandas); ``cost report`` streams it through DuckDB, so it runs on
exports far larger than memory.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.cost import focus_sql
from dfp.io.focus import RuleResult, check_focus, focus_spec, read_export

__all__ = ["cost_report", "focus_check"]


def _status(r: RuleResult) -> str:
    """``warn`` for a failing SHOULD-level rule, otherwise the rule's status."""
    return "warn" if r.status == "fail" and r.rule.level == "SHOULD" else r.status


def focus_check(path: Path | str, scope: str = "any") -> int:
    """Print the FOCUS 1.2 conformance report of the export at ``path``; return the exit code (1 on failures)."""
    p = Path(path)
    df = read_export(p, strict=False)
    spec = focus_spec()
    known = [c for c in df.columns if spec.column(c) is not None]
    extra = [c for c in df.columns if spec.column(c) is None]
    print(f"FOCUS {spec.version} conformance of {p.name}: {len(df):,} rows, {len(df.columns)} columns "
          f"({len(known)} FOCUS columns; kept as read: {', '.join(extra) or 'none'})")
    for col, label in (("ProviderName", "providers"), ("BillingCurrency", "billing currencies")):
        if col in df:
            print(f"  {label}: {', '.join(sorted(map(str, df[col].dropna().unique()))) or 'none'}")
    if "ChargePeriodStart" in df and len(df):
        start = pd.to_datetime(df["ChargePeriodStart"], utc=True)
        print(f"  charge periods from {start.min():%Y-%m-%d} to {start.max():%Y-%m-%d}")
    results = check_focus(df, scope)
    print()
    print(f"{'status':<7} {'rule':<24} {'kind':<8} {'rows failing':>12} {'first row':>9}  column: value")
    for r in results:
        first = "" if r.first_row is None else f"{r.first_row:,}"
        where = f"{r.column}: {r.example}" if r.column else ""
        kind = "FOCUS" if r.rule.kind == "spec" else "project"
        print(f"{_status(r):<7} {r.rule.id:<24} {kind:<8} {r.failed_rows:>12,} {first:>9}  {where}".rstrip())
    statuses = [(_status(r), r.rule.kind) for r in results]
    spec_fail = sum(1 for s, k in statuses if s == "fail" and k == "spec")
    proj_fail = sum(1 for s, k in statuses if s == "fail" and k == "project")
    warns = sum(1 for s, _k in statuses if s == "warn")
    print()
    print("n/a: a column the rule needs is absent (a conditional or recommended column); "
          "warn: a SHOULD of the specification. Rules: data/focus/focus-1.2-columns.yml")
    print(f"Result: {spec_fail} FOCUS rule(s) and {proj_fail} project rule(s) fail; {warns} warning(s).")
    return 1 if spec_fail or proj_fail else 0


def _money(x: float) -> str:
    return f"{x:,.2f}"


def cost_report(path: Path | str, by: str = "ServiceName", top: int = 6, memory_limit: str = "700MB") -> int:
    """Print monthly usage cost by column ``by`` (the ``top`` largest groups, the rest as ``other``) and the
    billed / amortised totals per currency, computed by the package's SQL files in DuckDB. Returns the exit code.
    """
    p = Path(path)
    con = focus_sql.connect(p, memory_limit=memory_limit)
    try:
        guards = focus_sql.export_guards(con)
        if any(guards.values()):
            raise PlaybookError(
                f"{p.name}: {guards['duplicate_rows']:,} duplicate row(s) (project rule P-NO-DUPLICATES) and "
                f"{guards['negative_usage_rows']:,} negative usage line(s) (project rule P-NO-NEGATIVE-USAGE); "
                f"no cost report on it. `dfp focus check {p}` names the rows")
        monthly = focus_sql.monthly_cost(con, by)
        summary = focus_sql.charge_summary(con)
    finally:
        con.close()
    print(f"Monthly usage cost of {p.name} by {by} (EffectiveCost of Usage rows; SQL: monthly_cost_by.sql, DuckDB)")
    for currency, part in monthly.groupby("currency", sort=True):
        wide = part.assign(month=part["billing_month"].dt.strftime("%Y-%m")).pivot_table(
            index="month", columns="group_value", values="cost", aggfunc="sum", fill_value=0.0)
        order = wide.sum().sort_values(ascending=False).index
        shown = list(order[:top])
        table = wide[shown].copy()
        if len(order) > top:
            table[f"other ({len(order) - top})"] = wide[list(order[top:])].sum(axis=1)
        table["total"] = wide.sum(axis=1)
        table.index.name = f"month ({currency})"
        print()
        print(table.to_string(float_format=_money))
    print()
    print("Totals per currency (SQL: charge_summary.sql): billed = invoiced cash, effective = amortised")
    tot = summary.groupby(["currency", "charge_category"])[["billed_cost", "effective_cost", "charge_rows"]].sum()
    tot.columns = ["billed", "effective", "rows"]
    tot.index.names = ["currency", "charge category"]
    print(tot.to_string(formatters={"billed": _money, "effective": _money, "rows": "{:,}".format}))
    return 0
