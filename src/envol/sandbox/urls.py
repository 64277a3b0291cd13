from django.urls import path

from envol.sandbox import views

urlpatterns = [
    path("sandbox/", views.page, name="sandbox"),
    path("sandbox/start/", views.start, name="sandbox_start"),
    path("sandbox/link/<str:network>/", views.link, name="sandbox_link"),
    path("sandbox/sample-archive.zip", views.sample_archive, name="sandbox_sample_archive"),
]
