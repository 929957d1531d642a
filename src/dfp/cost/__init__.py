"""07 Cost: unit economics, attribution, anomalies, commitments, projections and carbon."""
