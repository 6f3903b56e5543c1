from django.urls import include, path

from carebook.medication.views.home import home

urlpatterns = [
    path("", home, name="home"),
    path("", include("carebook.access.urls")),
    path("", include("carebook.people.urls")),
    path("", include("carebook.medication.urls")),
]
