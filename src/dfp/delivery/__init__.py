"""04 Delivery: DORA metrics, change freezes and canary analysis."""
