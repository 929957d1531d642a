-- The two project rules a cost report must not run without (they are not FOCUS rules):
-- P-NO-DUPLICATES (a row repeated in every column doubles its cost) and P-NO-NEGATIVE-USAGE (a Usage row
-- that is not a correction with a negative cost). Returns one row of counts; both must be 0.
-- Table: focus (the export).
SELECT
    (SELECT COUNT(*) FROM focus)
        - (SELECT COUNT(*) FROM (SELECT DISTINCT * FROM focus) AS distinct_rows) AS duplicate_rows,
    (SELECT COUNT(*)
     FROM focus
     WHERE ChargeCategory = 'Usage'
       AND COALESCE(ChargeClass, '') <> 'Correction'
       AND (CAST(BilledCost AS DOUBLE) < 0 OR CAST(EffectiveCost AS DOUBLE) < 0
            OR CAST(ListCost AS DOUBLE) < 0)) AS negative_usage_rows
