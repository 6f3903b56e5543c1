"""The notifications pages. The views module owns its routes."""

from carebook.notifications import views

app_name = "notifications"

urlpatterns = [*views.urlpatterns]
