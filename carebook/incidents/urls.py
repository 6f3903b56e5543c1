"""The incidents pages. The views module owns its routes."""

from carebook.incidents import views

app_name = "incidents"

urlpatterns = [*views.urlpatterns]
