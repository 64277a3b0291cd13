from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from envol.core import favicon, health

# The admin is the operators' tool: named after the service, in the operator's language.
admin.site.site_header = _("Envol administration")
admin.site.site_title = _("Envol administration")
admin.site.index_title = _("Moderation, people and privacy")

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", favicon.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("envol.signin.urls")),
    path("", include("envol.archive.urls")),
    path("", include("envol.privacy.urls")),
    path("", include("envol.media.urls")),
    path("", include("envol.stats.urls")),
    path("", include("envol.reconnect.urls")),
    path("", include("envol.matching.urls")),
    path("", include("envol.sandbox.urls")),
    path("", include("envol.web.urls")),
]

handler404 = "envol.web.views.page_not_found"
handler500 = "envol.web.views.server_error"
