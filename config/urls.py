from django.urls import include, path

from carebook.api import api
from carebook.medication.views.home import home

urlpatterns = [
    path("", home, name="home"),
    path("api/v1/", api.urls),
    path("", include("carebook.access.urls")),
    path("", include("carebook.people.urls")),
    path("", include("carebook.medication.urls")),
    path("", include("carebook.alerts.urls")),
    path("", include("carebook.notifications.urls")),
    path("", include("carebook.incidents.urls")),
    path("", include("carebook.reports.urls")),
    path("", include("carebook.audits.urls")),
    path("", include("carebook.evidence.urls")),
]

handler500 = "carebook.core.web.server_error"  # a 503 (not a 500) when the database cannot be reached
