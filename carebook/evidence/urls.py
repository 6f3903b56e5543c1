"""The evidence pack pages. The views module owns its routes."""

from carebook.evidence import views

app_name = "evidence"

urlpatterns = [*views.urlpatterns]
