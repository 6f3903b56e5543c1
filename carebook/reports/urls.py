"""The governance dashboard's pages. The views module owns its routes."""

from carebook.reports import views

app_name = "reports"

urlpatterns = [*views.urlpatterns]
