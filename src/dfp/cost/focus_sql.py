"""Cost queries over a FOCUS export as plain SQL files, run by DuckDB so an export larger than memory streams.

=======================  ===============================================================================
``sql_files``             the SQL files shipped in the package (``dfp/cost/sql/*.sql``), by name
``sql_text``              one file's text, with the group-by column substituted when it has one
``connect``               a DuckDB connection with the export (CSV, CSV.gz or Parquet) as the view ``focus``
``monthly_cost``          ``monthly_cost_by.sql``: monthly usage cost by one column, per currency
``charge_summary``        ``charge_summary.sql``: billed / effective / list totals per period and category
``export_guards``         ``export_guards.sql``: duplicate rows and negative usage lines (must both be 0)
``transpile``             a SQL file in another engine's dialect (Snowflake, Trino/Athena, Spark) via sqlglot
=======================  ===============================================================================

The SQL is the portable part: each file reads one table, ``focus``, and uses standard functions, so the same
file runs on Snowflake, Athena or Spark once the export is a table there (:func:`transpile` rewrites the
dialect). DuckDB reads CSV as text (``all_varchar``) and the queries cast what they use, so a column whose type
a sniffer would guess wrong cannot break them. ``memory_limit`` caps DuckDB's working memory; beyond it,
DuckDB spills to disk rather than failing.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd
import sqlglot

from dfp.core.errors import PlaybookError

__all__ = ["DIALECTS", "charge_summary", "connect", "export_guards", "monthly_cost", "sql_files", "sql_text",
           "transpile"]

GROUP_PLACEHOLDER = "__group__"
#: sqlglot dialect names of the engines the book names: Snowflake, Athena (Trino engine), Spark SQL
DIALECTS = ("snowflake", "trino", "spark")


def sql_files() -> dict[str, str]:
    """Every SQL file shipped in ``dfp/cost/sql``, ``{stem: text}``.

    >>> sorted(sql_files())
    ['charge_summary', 'export_guards', 'monthly_cost_by']
    """
    root = resources.files("dfp.cost").joinpath("sql")
    return {Path(f.name).stem: f.read_text(encoding="utf-8") for f in root.iterdir() if f.name.endswith(".sql")}


def _quote(column: str) -> str:
    if not column or '"' in column or "\x00" in column:
        raise PlaybookError(f"group-by column name not usable: {column!r}")
    return f'"{column}"'


def sql_text(name: str, group_by: str = "ServiceName") -> str:
    """The text of SQL file ``name`` with ``__group__`` replaced by the quoted column ``group_by``.

    >>> 'GROUP BY' in sql_text("monthly_cost_by", "RegionId") and '"RegionId"' in sql_text("monthly_cost_by", "RegionId")
    True
    """
    files = sql_files()
    if name not in files:
        raise PlaybookError(f"no SQL file {name!r}; have {sorted(files)}")
    return files[name].replace(GROUP_PLACEHOLDER, _quote(group_by))


def transpile(name: str, dialect: str, group_by: str = "ServiceName") -> str:
    """SQL file ``name`` rewritten from DuckDB's dialect to ``dialect`` (``snowflake``, ``trino``, ``spark``).

    >>> "DATE_TRUNC" in transpile("monthly_cost_by", "snowflake").upper()
    True
    """
    try:
        out = sqlglot.transpile(sql_text(name, group_by), read="duckdb", write=dialect, pretty=True,
                                unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.SqlglotError as exc:
        raise PlaybookError(f"{name}.sql does not transpile to {dialect}: {exc}") from exc
    return ";\n".join(out)


def connect(path: Path | str, memory_limit: str = "700MB", threads: int = 2) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection in UTC with the export at ``path`` as the view ``focus``.

    CSV and CSV.gz are read as text (the queries cast the columns they use); Parquet keeps its types.
    """
    p = Path(path)
    if not p.is_file():
        raise PlaybookError(f"FOCUS export not found: {p}")
    name = p.name.lower()
    if name.endswith(".parquet"):
        reader = f"read_parquet({_literal(str(p))})"
    elif name.endswith((".csv", ".csv.gz")):
        reader = f"read_csv({_literal(str(p))}, header = true, all_varchar = true)"
    else:
        raise PlaybookError(f"{p.name}: a FOCUS export must be .csv, .csv.gz or .parquet")
    con = duckdb.connect(config={"memory_limit": memory_limit, "threads": threads})
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        con.execute(f"CREATE VIEW focus AS SELECT * FROM {reader}")
        columns = _columns(con)
    except duckdb.Error as exc:
        raise PlaybookError(f"{p.name}: cannot be read: {exc}") from exc
    missing = [c for c in ("ChargePeriodStart", "ChargeCategory", "BillingCurrency", "EffectiveCost") if c not in columns]
    if missing:
        raise PlaybookError(f"{p.name}: missing FOCUS column(s) {missing}")
    return con


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("DESCRIBE focus").fetchall()]


def _run(con: duckdb.DuckDBPyConnection, name: str, group_by: str = "ServiceName") -> pd.DataFrame:
    try:
        return con.execute(sql_text(name, group_by)).df()
    except duckdb.Error as exc:
        raise PlaybookError(f"{name}.sql failed: {exc}") from exc


def monthly_cost(con: duckdb.DuckDBPyConnection, by: str = "ServiceName") -> pd.DataFrame:
    """Monthly usage cost by column ``by`` (``monthly_cost_by.sql``).

    Returns columns ``billing_month`` (timestamp, month start UTC), ``currency``, ``group_value`` (``(none)``
    where empty), ``cost`` (in ``currency``) and ``charge_rows``.
    """
    if by not in _columns(con):
        raise PlaybookError(f"monthly_cost: the export has no column {by!r}")
    return _run(con, "monthly_cost_by", by)


def charge_summary(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Billed, effective and list cost per billing period, currency and charge category (``charge_summary.sql``)."""
    return _run(con, "charge_summary")


def export_guards(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """``{"duplicate_rows": n, "negative_usage_rows": m}`` from ``export_guards.sql``; both must be 0."""
    row = _run(con, "export_guards").iloc[0]
    return {k: int(v) for k, v in row.items()}
