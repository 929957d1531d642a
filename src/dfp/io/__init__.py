"""Every file in ``data/``: schemas, loaders and validation, the system facts, external facts, specs;
and the readers of a reader's own files (OpenSLO v1, Prometheus ``query_range`` exports)."""
