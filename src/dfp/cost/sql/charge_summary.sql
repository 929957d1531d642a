-- Totals of a FOCUS 1.0-1.2 export per billing period, currency and charge category: the cash view
-- (BilledCost, what the invoices say), the amortised view (EffectiveCost) and the list-price view (ListCost).
-- Table: focus (the export).
SELECT
    CAST(BillingPeriodStart AS TIMESTAMP) AS billing_period_start,
    BillingCurrency AS currency,
    ChargeCategory AS charge_category,
    SUM(CAST(BilledCost AS DOUBLE)) AS billed_cost,
    SUM(CAST(EffectiveCost AS DOUBLE)) AS effective_cost,
    SUM(CAST(ListCost AS DOUBLE)) AS list_cost,
    COUNT(*) AS charge_rows
FROM focus
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
