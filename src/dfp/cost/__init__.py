"""07 Cost: unit economics, attribution, anomalies, commitments, projections and carbon; cost queries over any
FOCUS export as SQL files run by DuckDB (``focus_sql``, the SQL in ``sql/``)."""
