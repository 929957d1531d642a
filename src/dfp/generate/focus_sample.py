"""A second FOCUS export, shaped unlike the platform's bill, written by DuckDB at any size (fictional).

The platform's own bill (:mod:`dfp.generate.billing`) is AWS, USD and FOCUS 1.2. Code that claims to read
"any provider's FOCUS export" needs a sample that differs on every axis a real one can:

* a fictional provider, **Nimbus Cloud**, with its own services, regions and SKUs;
* **EUR** as the billing currency and a FOCUS **1.0** column set (no columns introduced in 1.1 or 1.2);
* provider columns with the ``x_`` prefix (``x_CostCenter``, ``x_InvoiceSectionName``, ``x_ServiceCode``, and
  ``x_LineItemId``, unique per line, as a provider's line-item id is);
* ``Tax`` and ``Credit`` rows, and ``Usage`` corrections (``ChargeClass = Correction``, negative amounts);
* CSV, CSV.gz or Parquet.

Rows are a pure function of their index and ``seed`` (integer hashing in SQL, no random state), so the same
call writes the same file, and ``rows=10_000_000`` streams to disk without holding the export in memory
(:mod:`dfp.book.focus_bench` uses it for the scale benchmark).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dfp.core.checks import check_int_range
from dfp.core.errors import PlaybookError

__all__ = ["PROVIDER", "SERVICES", "write_sample_export"]

PROVIDER = "Nimbus Cloud"
#: (ServiceName, ServiceCategory, SkuId, PricingUnit, list price EUR per unit, contracted/list ratio)
SERVICES: tuple[tuple[str, str, str, str, float, float], ...] = (
    ("Virtual Machines", "Compute", "vm-std-4", "Hours", 0.19, 0.85),
    ("Object Storage", "Storage", "obj-hot", "GB-Months", 0.021, 1.0),
    ("Managed PostgreSQL", "Databases", "pg-gp-2", "Hours", 0.41, 0.9),
    ("Load Balancer", "Networking", "lb-data", "GB", 0.008, 1.0),
    ("Functions", "Compute", "fn-invoke", "1000000 Requests", 0.2, 1.0),
)
_REGIONS = (("eu-central", "Frankfurt"), ("eu-north", "Stockholm"), ("eu-west", "Dublin"))


def _values(rows: tuple[tuple[object, ...], ...]) -> str:
    def lit(v: object) -> str:
        return str(v) if isinstance(v, (int, float)) else "'" + str(v).replace("'", "''") + "'"
    return ", ".join("(" + ", ".join(lit(v) for v in r) + ")" for r in rows)


def _select(rows: int, seed: int, text_times: bool) -> str:
    """The SELECT that builds the export: one row per index ``i`` in ``range(rows)``."""
    svc = _values(tuple((k, *s) for k, s in enumerate(SERVICES)))
    reg = _values(tuple((k, *r) for k, r in enumerate(_REGIONS)))
    ts = ("strftime({x}, '%Y-%m-%dT%H:%M:%SZ')" if text_times else "{x}")
    t = lambda x: ts.format(x=x)  # noqa: E731
    return f"""
WITH base AS (
    SELECT i,
           (i * 1103515245 + CAST({seed} AS BIGINT) * 12345 + 7) % 2147483648 AS h1,
           (i * 69069 + CAST({seed} AS BIGINT) * 1013904223 + 11) % 2147483648 AS h2,
           CASE WHEN i % 97 = 0 THEN 'Tax' WHEN i % 211 = 1 THEN 'Credit'
                WHEN i % 401 = 2 THEN 'Correction' ELSE 'Usage' END AS kind,
           TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_days(CAST(i % 90 AS INTEGER)) AS day
    FROM range({rows}) AS r(i)
), svc(k, name, category, sku, unit, price, ratio) AS (VALUES {svc}),
reg(k, id, name) AS (VALUES {reg}),
rowsx AS (
    SELECT b.*, s.name AS service, s.category, s.sku, s.unit, s.price, s.ratio, g.id AS region, g.name AS region_name,
           CASE WHEN b.kind = 'Correction' THEN -1 ELSE 1 END
               * round(0.5 + (b.h2 % 200000) / 100.0, 3) AS qty,
           date_trunc('month', b.day) AS bp
    FROM base b
    JOIN svc s ON s.k = b.h1 % {len(SERVICES)}
    JOIN reg g ON g.k = b.h2 % {len(_REGIONS)}
)
SELECT
    'nb-4711' AS BillingAccountId,
    'Example Retail GmbH' AS BillingAccountName,
    'EUR' AS BillingCurrency,
    {t("bp")} AS BillingPeriodStart,
    {t("bp + INTERVAL 1 MONTH")} AS BillingPeriodEnd,
    {t("day")} AS ChargePeriodStart,
    {t("day + INTERVAL 1 DAY")} AS ChargePeriodEnd,
    CASE kind WHEN 'Correction' THEN 'Usage' ELSE kind END AS ChargeCategory,
    CASE kind WHEN 'Correction' THEN 'Correction' END AS ChargeClass,
    CASE kind WHEN 'Tax' THEN 'VAT' WHEN 'Credit' THEN 'Migration credit'
         ELSE service || ' ' || sku END AS ChargeDescription,
    CASE kind WHEN 'Tax' THEN 'Recurring' WHEN 'Credit' THEN 'One-Time' ELSE 'Usage-Based' END AS ChargeFrequency,
    'Nimbus Cloud EU' AS InvoiceIssuerName,
    '{PROVIDER}' AS ProviderName,
    '{PROVIDER}' AS PublisherName,
    CASE WHEN kind IN ('Tax', 'Credit') THEN 'Nimbus Billing' ELSE service END AS ServiceName,
    CASE WHEN kind IN ('Tax', 'Credit') THEN 'Other' ELSE category END AS ServiceCategory,
    CASE WHEN kind IN ('Tax', 'Credit') THEN NULL ELSE region END AS RegionId,
    CASE WHEN kind IN ('Tax', 'Credit') THEN NULL ELSE region_name END AS RegionName,
    CASE WHEN kind IN ('Tax', 'Credit') THEN NULL ELSE region || '-' || CAST(h1 % 3 + 1 AS VARCHAR) END
        AS AvailabilityZone,
    CASE WHEN kind IN ('Tax', 'Credit') THEN NULL
         ELSE 'nimbus://' || region || '/' || sku || '/' || CAST(h1 % 500 AS VARCHAR) END AS ResourceId,
    CASE WHEN kind IN ('Tax', 'Credit') THEN NULL ELSE sku || '-' || CAST(h1 % 500 AS VARCHAR) END AS ResourceName,
    CASE WHEN kind IN ('Tax', 'Credit') THEN NULL ELSE category END AS ResourceType,
    CASE WHEN kind IN ('Tax', 'Credit') THEN NULL ELSE sku END AS SkuId,
    CASE WHEN kind IN ('Tax', 'Credit') THEN NULL ELSE sku || '@' || region END AS SkuPriceId,
    CASE WHEN kind IN ('Tax', 'Credit') THEN NULL ELSE 'Standard' END AS PricingCategory,
    CASE WHEN kind IN ('Tax', 'Credit') THEN NULL ELSE qty END AS PricingQuantity,
    CASE WHEN kind IN ('Tax', 'Credit') THEN NULL ELSE unit END AS PricingUnit,
    CASE WHEN kind IN ('Tax', 'Credit') THEN NULL ELSE price END AS ListUnitPrice,
    CASE WHEN kind = 'Tax' THEN 1.9 WHEN kind = 'Credit' THEN -25.0 ELSE round(qty * price, 6) END AS ListCost,
    CASE WHEN kind IN ('Tax', 'Credit') THEN NULL ELSE round(price * ratio, 6) END AS ContractedUnitPrice,
    CASE WHEN kind = 'Tax' THEN 1.9 WHEN kind = 'Credit' THEN -25.0
         ELSE round(qty * round(price * ratio, 6), 6) END AS ContractedCost,
    CASE WHEN kind = 'Tax' THEN 1.9 WHEN kind = 'Credit' THEN -25.0
         ELSE round(qty * round(price * ratio, 6), 6) END AS BilledCost,
    CASE WHEN kind = 'Tax' THEN 1.9 WHEN kind = 'Credit' THEN -25.0
         ELSE round(qty * round(price * ratio, 6), 6) END AS EffectiveCost,
    CASE WHEN kind = 'Usage' THEN qty END AS ConsumedQuantity,
    CASE WHEN kind = 'Usage' THEN unit END AS ConsumedUnit,
    'sub-' || CAST(h2 % 4 AS VARCHAR) AS SubAccountId,
    ['shop', 'search', 'data', 'platform'][CAST(h2 % 4 AS INTEGER) + 1] AS SubAccountName,
    CASE WHEN kind IN ('Tax', 'Credit') THEN NULL
         ELSE '{{"team":"' || ['shop', 'search', 'data', 'platform'][CAST(h2 % 4 AS INTEGER) + 1]
              || '","env":"' || CASE WHEN h1 % 5 = 0 THEN 'dev' ELSE 'prod' END || '"}}' END AS Tags,
    'CC-' || CAST(1000 + h2 % 4 AS VARCHAR) AS x_CostCenter,
    'Section ' || CAST(1 + h1 % 2 AS VARCHAR) AS x_InvoiceSectionName,
    upper(replace(sku, '-', '_')) AS x_ServiceCode,
    'li-' || CAST({seed} AS VARCHAR) || '-' || CAST(i AS VARCHAR) AS x_LineItemId
FROM rowsx
"""


def write_sample_export(path: Path | str, rows: int = 1000, seed: int = 7, memory_limit: str = "1GB") -> Path:
    """Write the Nimbus Cloud sample export to ``path`` (``.csv``, ``.csv.gz`` or ``.parquet``); return the path.

    >>> import tempfile, pandas as pd
    >>> with tempfile.TemporaryDirectory() as d:
    ...     df = pd.read_csv(write_sample_export(Path(d) / "s.csv", rows=300))
    >>> len(df), df["BillingCurrency"].unique().tolist(), sorted(df["ChargeCategory"].unique())
    (300, ['EUR'], ['Credit', 'Tax', 'Usage'])
    """
    rows = check_int_range("rows", rows, 1, 10**9)
    p = Path(path)
    name = p.name.lower()
    if name.endswith(".parquet"):
        options, text_times = "FORMAT PARQUET", False
    elif name.endswith(".csv.gz"):
        options, text_times = "FORMAT CSV, HEADER, COMPRESSION GZIP", True
    elif name.endswith(".csv"):
        options, text_times = "FORMAT CSV, HEADER", True
    else:
        raise PlaybookError(f"write_sample_export: path must end .csv, .csv.gz or .parquet; got {p.name!r}")
    p.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"memory_limit": memory_limit, "threads": 2, "preserve_insertion_order": True})
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        target = "'" + str(p).replace("'", "''") + "'"
        con.execute(f"COPY ({_select(rows, seed, text_times)}) TO {target} ({options})")
    finally:
        con.close()
    return p
