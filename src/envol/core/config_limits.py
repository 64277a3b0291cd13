"""The settings of what Envol keeps and accepts: how long data is retained, and the bounds on uploads
and on the graph's storage. Declared here as part of ``Config`` (``core/config.py``), for the same
reading and validation as every other setting; split out only to keep each file to one subject."""

from __future__ import annotations

from envol.core.config_parse import (
    positive,
    whole,
)
from envol.core.setting import Setting


class RetentionAndLimits:
    """Retention periods and input bounds; ``Config`` inherits them."""

    retention_edges_days = Setting(
        "ENVOL_RETENTION_EDGES_DAYS",
        "30",
        "Days after a person declares their migration complete before their X lists (edges) are deleted.",
        whole(minimum=0),
    )
    retention_inactive_days = Setting(
        "ENVOL_RETENTION_INACTIVE_DAYS",
        "730",
        "Days without any visit after which a person is warned that their data will be erased.",
        whole(minimum=0),
    )
    retention_grace_days = Setting(
        "ENVOL_RETENTION_GRACE_DAYS",
        "30",
        "Days between that warning and the erasure, unless the person comes back.",
        whole(minimum=0),
    )
    erasure_undo_deadline_days = Setting(
        "ENVOL_ERASURE_UNDO_DEADLINE_DAYS",
        "7",
        "When a person asks Envol to remove the follows it made before erasing them, the erasure waits "
        "for that undo (it goes at the networks' pace); after this many days it happens anyway.",
        whole(minimum=0),
    )
    upload_stale_minutes = Setting(
        "ENVOL_UPLOAD_STALE_MINUTES",
        "60",
        "Temporary upload files older than this are deleted by the retention task (a request deletes "
        "its own files when it ends; only a killed process leaves some behind).",
        whole(minimum=0),
    )
    drive_run_retention_days = Setting(
        "ENVOL_DRIVE_RUN_RETENTION_DAYS",
        "90",
        "Days the reconnection engine's run log (one row per run per account: when, how many follows "
        "and requests, how it ended) is kept; older runs are deleted by the retention task.",
        whole(minimum=0),
    )
    retention_interval_hours = Setting(
        "ENVOL_RETENTION_INTERVAL_HOURS",
        "24",
        "How often the retention task runs (edges, inactive persons, pending erasures, stale uploads, "
        "old engine runs).",
        positive,
    )
    browser_upload_max_bytes = Setting(
        "ENVOL_BROWSER_UPLOAD_MAX_BYTES",
        "1073741824",
        "Largest compact upload (ids read in the browser, compressed) the service accepts, in bytes. "
        "Ten million ids take about 40 MB.",
        whole(minimum=1),
    )
    browser_upload_max_ids = Setting(
        "ENVOL_BROWSER_UPLOAD_MAX_IDS",
        "250000000",
        "Most follower and following ids one browser upload may hold (the server keeps 8 bytes per id "
        "while it stores them). The largest X account had 233 M followers in 2026 (decision 0017). An "
        "upload must also carry at least one byte per 8 ids it declares: real ones carry about 4 bytes "
        "per id.",
        whole(minimum=1),
    )
    upload_max_bytes = Setting(
        "ENVOL_UPLOAD_MAX_BYTES",
        "4294967296",
        "Largest server-side archive upload (the form's zip or .js files), in bytes; a larger request "
        "is answered 413 before its body is read. The four data files Envol needs are far smaller than "
        "a whole archive with its media.",
        whole(minimum=1),
    )
    upload_concurrency = Setting(
        "ENVOL_UPLOAD_CONCURRENCY",
        "2",
        "Uploads (server-side or from the browser) one process reads at the same time; more get 503 "
        "with Retry-After. Each may take some 250 MB while it is read and stored.",
        whole(minimum=1),
    )
    edge_partition_min_edges = Setting(
        "ENVOL_EDGE_PARTITION_MIN_EDGES",
        "1000000",
        "PostgreSQL: an archive import with at least this many edges (followers plus following) gets "
        "a partition of its own, loaded without an index and indexed once (about 2× faster for 10 M); "
        "each such partition adds one index probe to every lookup of the graph (decision 0003).",
        whole(minimum=0),
    )
