from django.urls import path

from envol.archive import browser, views

urlpatterns = [
    path("archive/", views.upload, name="archive_upload"),
    path("archive/browser/", browser.browser_upload, name="archive_browser_upload"),
]
