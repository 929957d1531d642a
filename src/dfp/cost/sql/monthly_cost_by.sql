-- Monthly cost of the usage rows of a FOCUS 1.0-1.2 export, by one column, per billing currency.
-- Amortised view: EffectiveCost of ChargeCategory = 'Usage' rows (usage at the rate actually paid, covered
-- usage at the committed rate, plus unused commitment); purchases, credits, taxes and adjustments are left
-- out, as in dfp.cost.economics.monthly_cost. The month is the calendar month (UTC) of ChargePeriodStart.
-- Table: focus (the export). The runner substitutes the quoted group-by column for the placeholder below.
SELECT
    DATE_TRUNC('month', CAST(ChargePeriodStart AS TIMESTAMP)) AS billing_month,
    BillingCurrency AS currency,
    COALESCE(NULLIF(CAST(__group__ AS VARCHAR), ''), '(none)') AS group_value,
    SUM(CAST(EffectiveCost AS DOUBLE)) AS cost,
    COUNT(*) AS charge_rows
FROM focus
WHERE ChargeCategory = 'Usage'
GROUP BY 1, 2, 3
ORDER BY 1, 2, 4 DESC
