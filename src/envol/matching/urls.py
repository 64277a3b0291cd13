from django.urls import path

from envol.matching import views

urlpatterns = [
    path("review/", views.review_page, name="matching_review"),
    path("review/dismiss/", views.dismiss, name="matching_dismiss"),
    path("review/notifications/", views.notifications, name="matching_notifications"),
    path("review/avatar/<int:profile_id>/", views.avatar, name="matching_avatar"),
    path("api/candidates/", views.review_json, name="matching_api"),
]
