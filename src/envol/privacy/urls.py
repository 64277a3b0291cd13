from django.urls import path

from envol.privacy import views

urlpatterns = [
    path("your-data/", views.your_data, name="your_data"),
    path("your-data/choices/", views.choices, name="privacy_choices"),
    path("your-data/migration-complete/", views.migration_complete, name="privacy_migration_complete"),
    path("your-data/export.json", views.export_json, name="privacy_export_json"),
    path("your-data/export/", views.export_page, name="privacy_export_page"),
    path("your-data/erase/", views.erase, name="privacy_erase"),
]
