"""DataFlow Platform's calculation package: data -> package -> notebooks -> book, in layers.

Imports point down this table only (a test, ``tests/test_layers.py``, keeps it so):

==================  ===========================================================================
``dfp.core``         leaves: the one error type, argument checks, calendar units, repository paths
``dfp.io``           every file in ``data/``: schemas and loaders, the system facts
                     (``system.yml``), cited external facts, OpenSLO specs, design policies and the
                     platform model over time (``dfp.io.platform``), FOCUS,
                     Prometheus query_range exports; the strict YAML reader and the one disk
                     cache (``dfp.io.cache``)
``dfp.business``     customers, traffic shape, growth, the pre-platform baseline (00 Context)
``dfp.reliability``  SLO maths, SLI analysis, alerting backtest, availability composition,
                     Prometheus rules, incidents, on-call load (05 Reliability)
``dfp.delivery``     DORA metrics, freezes, canary analysis (04 Delivery)
``dfp.capacity``     stream and cluster sizing, queueing, address plan, observability volumes,
                     recovery (02 Infrastructure, 03 Platform)
``dfp.cost``         unit economics, attribution, anomalies, commitments, projections, carbon (07 Cost)
``dfp.security``     threat model, controls, IAM policy analysis (06 Security)
``dfp.pii``          the AI-assisted PII flagging capability: rules, model, guard, metrics, cost
``dfp.architecture`` component model, diagrams, weighted decision matrices (01 Architecture)
``dfp.generate``     the seeded generators of ``data/`` (and the SLI minute simulation)
``dfp.book``         the book layer: notebook helpers, parameters, plotting, story, scorecard,
                     decision-record index, Sphinx extension, execution, benchmarks, CLI
==================  ===========================================================================

Only ``dfp.book`` reads ``notebooks/`` or ``book/``. Input data comes from ``dfp.core.paths.data_dir()``
(``data/``, or ``$DFP_DATA_DIR``); the cited reference facts ship inside the package (``dfp/reference/``,
links to their one home in ``data/``), so the own-data commands run from a plain install. The domain packages sit between ``dfp.io``
and ``dfp.generate`` and may use one another without cycles.
"""
