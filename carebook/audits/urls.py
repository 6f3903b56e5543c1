"""The audits pages. The views module owns its routes."""

from carebook.audits import views

app_name = "audits"

urlpatterns = [*views.urlpatterns]
