"""`/healthz`: is the database reachable, and has a worker beaten recently?"""

from __future__ import annotations

from datetime import timedelta

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from envol.core.config import CONFIG
from envol.core.models import WorkerHeartbeat

MISSED_BEATS_BEFORE_STALE = 4


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable", "worker": "unknown"}, status=503)
    horizon = timezone.now() - timedelta(seconds=CONFIG.heartbeat_seconds * MISSED_BEATS_BEFORE_STALE)
    latest = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    worker = "ok" if latest is not None and latest >= horizon else ("stale" if latest else "missing")
    body = {
        "status": "ok" if worker == "ok" else "degraded",
        "database": database,
        "worker": worker,
        "worker_seen_at": latest.isoformat() if latest else None,
    }
    return JsonResponse(body, status=200 if worker == "ok" else 503)
