from django.urls import path

from envol.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("how-it-works/", views.page, {"name": "how"}, name="how"),
    path("faq/", views.page, {"name": "faq"}, name="faq"),
    path("privacy/", views.page, {"name": "privacy"}, name="privacy"),
    path("legal/", views.page, {"name": "legal"}, name="legal"),
]
