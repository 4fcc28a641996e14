"""Run and QA statuses (kept apart: a run can succeed while its QA fails, and is then never shown green), and
the names of the work queues."""

RUN_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
QA_STATUSES = ("not_run", "passed", "warning", "failed")
BACKFILL_STATUSES = ("running", "finished", "cancelled")
#: The RQ queues (``infra.queue``), by the work they take.
QUEUES = ("previews", "runs", "backfills")
#: A run's stages in order: the keys of its ``timings_ms`` (``app.run_execution`` measures them; the run page and
#: ``workbench runs show`` list them in this order).
RUN_STAGES = ("read", "header", "steps", "qa", "outputs", "store", "lineage", "docs", "events", "alerts")
#: A release's life (``app.publication``): proposed -> approved | rejected | expired; approved -> published ->
#: rolled_back. An approval voided by a change of content puts it back to proposed.
RELEASE_STATUSES = ("proposed", "approved", "rejected", "expired", "published", "rolled_back")
#: What the release audit log records (each decision one immutable row).
RELEASE_ACTIONS = ("proposed", "amended", "approval_voided", "approved", "rejected", "expired", "published",
                   "rolled_back")
