from django.urls import path

from envol.media import share_page, views

urlpatterns = [
    path("media/", views.directory_page, name="media_directory"),
    path("media/directory.json", views.feed_json, name="media_feed_json"),
    path("media/directory.csv", views.feed_csv, name="media_feed_csv"),
    path("media/declare/", views.declare, name="media_declare"),
    path("media/declare/sent/", views.declared, name="media_declared"),
    path("media/confirm/<str:token>/", views.confirm_declaration, name="media_confirm"),
    path("media/widget/", views.widget_generator, name="media_widget"),
    path("media/widget/preview/", views.widget_preview, name="media_widget_preview"),
    path("media/widget/snippet.txt", views.widget_snippet, name="media_widget_snippet"),
    path("media/share/", share_page.share, name="media_share"),
    path("media/<slug:slug>/", views.outlet_page, name="media_outlet"),
    path("media/<slug:slug>/update/", views.declare, name="media_update"),
]
