"""05 Reliability: SLO maths, SLI analysis, alerting, availability, Prometheus rules, incidents."""
