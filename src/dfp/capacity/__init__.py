"""02 Infrastructure and 03 Platform: stream and cluster sizing, queueing, network, observability, recovery."""
