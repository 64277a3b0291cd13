from django.urls import path

from envol.archive import views

urlpatterns = [path("archive/", views.upload, name="archive_upload")]
