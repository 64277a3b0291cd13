"""A URL configuration with views that say which database connection served them, how many requests
run at once, what a request finds of the one before it, one that waits on another server, one that writes."""

import contextlib
import contextvars
import threading
import time

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import include, path

from envol.platforms.http import SafeHttp


def backend(request: HttpRequest) -> HttpResponse:
    """The server process behind this request's connection (PostgreSQL), or the SQLite handle."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_backend_pid()")
            return HttpResponse(str(cursor.fetchone()[0]))
        cursor.execute("SELECT 1")
    return HttpResponse(str(id(connection.connection)))


RUNNING = {"now": 0, "most": 0}
_running_lock = threading.Lock()


def busy(request: HttpRequest) -> HttpResponse:
    """Counts the requests running at once; the sleep stands for a page's CPU time."""
    with _running_lock:
        RUNNING["now"] += 1
        RUNNING["most"] = max(RUNNING["most"], RUNNING["now"])
    time.sleep(0.05)
    with _running_lock:
        RUNNING["now"] -= 1
    return HttpResponse("done")


MARK: contextvars.ContextVar[str] = contextvars.ContextVar("mark", default="")


def mark(request: HttpRequest) -> HttpResponse:
    """Sets a context variable, and answers the value it found there first."""
    found = MARK.get()
    MARK.set(request.GET.get("as", ""))
    return HttpResponse(found or "-")


def remote(request: HttpRequest) -> HttpResponse:
    """Fetches the address given: a request that waits on another server."""
    with SafeHttp(timeout=10, deadline=10) as http:
        return HttpResponse(http.get(request.GET["url"]).content)


WRITING = threading.Event()


def write(request: HttpRequest) -> HttpResponse:
    """Writes (a no-op update), in a transaction or not: a request that may wait for a lock."""
    WRITING.set()
    atomic = transaction.atomic() if request.GET.get("atomic") == "1" else contextlib.nullcontext()
    with atomic, connection.cursor() as cursor:
        cursor.execute("UPDATE registry_person SET findable_by = findable_by WHERE id < 0")
    return HttpResponse("written")


def stream(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(iter([b"first ", b"second"]))


urlpatterns = [
    path("backend/", backend),
    path("busy/", busy),
    path("mark/", mark),
    path("remote/", remote),
    path("stream/", stream),
    path("write/", write),
    path("", include("envol.core.urls")),
]
