"""A URL configuration with a view that says which database connection served it."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def backend(request: HttpRequest) -> HttpResponse:
    """The server process behind this request's connection (PostgreSQL), or the SQLite handle."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_backend_pid()")
            return HttpResponse(str(cursor.fetchone()[0]))
        cursor.execute("SELECT 1")
    return HttpResponse(str(id(connection.connection)))


urlpatterns = [path("backend/", backend), path("", include("envol.core.urls"))]
