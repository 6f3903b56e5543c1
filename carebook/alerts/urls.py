"""The alerts pages. The views module owns its routes."""

from carebook.alerts import views

app_name = "alerts"

urlpatterns = [*views.urlpatterns]
