"""A URL configuration with a view that fails, to exercise the 500 page."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("deliberate failure")


urlpatterns = [path("boom/", boom), path("", include("envol.core.urls"))]
handler500 = "envol.web.views.server_error"
