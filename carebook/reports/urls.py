"""The governance dashboard's pages. The views module owns its routes."""

from carebook.reports import compliance_views, views

app_name = "reports"

urlpatterns = [*views.urlpatterns, *compliance_views.urlpatterns]
