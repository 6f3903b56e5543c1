"""The medication pages. Each views module owns its own routes."""

from carebook.medication.views import (
    allergy_decision,
    dosing,
    location_settings,
    mar,
    one_pass,
    prescriptions,
    record,
    visits,
)
from carebook.medication.views import round as round_views

app_name = "medication"

urlpatterns = [
    *round_views.urlpatterns,
    *record.urlpatterns,
    *one_pass.urlpatterns,
    *prescriptions.urlpatterns,
    *dosing.urlpatterns,
    *visits.urlpatterns,
    *location_settings.urlpatterns,
    *allergy_decision.urlpatterns,
    *mar.urlpatterns,
]
