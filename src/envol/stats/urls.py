from django.urls import path

from envol.stats import views

urlpatterns = [
    path("figures/", views.figures_page, name="stats_figures"),
]
