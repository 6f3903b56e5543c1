"""The alerts pages. The views module owns its routes."""

from carebook.alerts import threshold_views, views

app_name = "alerts"

urlpatterns = [*views.urlpatterns, *threshold_views.urlpatterns]
