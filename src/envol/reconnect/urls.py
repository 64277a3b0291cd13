from django.urls import path

from envol.reconnect import blocks_view, people, views

urlpatterns = [
    path("people/", people.people_page, name="people"),
    path("people/progress.json", people.progress_json, name="people_progress"),
    path("people/follow/", people.follow, name="people_follow"),
    path("people/follow-all/", people.follow_all, name="people_follow_all"),
    path("people/blocks/", blocks_view.blocks_page, name="people_blocks"),
    path("reconnect/", views.page, name="reconnect"),
    path("reconnect/<int:account_id>/choose/", views.choose_view, name="reconnect_choose"),
    path("reconnect/<int:account_id>/pace/", views.pace_view, name="reconnect_pace"),
    path("reconnect/<int:account_id>/resume/", views.resume_view, name="reconnect_resume"),
    path("reconnect/<int:account_id>/review/", views.review, name="reconnect_review"),
    path("reconnect/<int:account_id>/undo/", views.undo, name="reconnect_undo"),
    path("reconnect/<int:account_id>/retry/", views.retry, name="reconnect_retry"),
    path("reconnect/<int:account_id>/bluesky-list/", views.bluesky_list, name="reconnect_bluesky_list"),
    path("reconnect/export/following_accounts.csv", views.export_mastodon, name="reconnect_export_mastodon"),
    path("reconnect/export/candidates.json", views.export_json, name="reconnect_export_json"),
]
