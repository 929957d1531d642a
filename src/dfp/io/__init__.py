"""Every file in ``data/``: schemas, loaders and validation, the system facts, external facts, specs."""
