"""The medication pages. Each views module owns its own routes."""

from carebook.medication.views import allergy_decision, mar, prescriptions, record
from carebook.medication.views import round as round_views

app_name = "medication"

urlpatterns = [
    *round_views.urlpatterns,
    *record.urlpatterns,
    *prescriptions.urlpatterns,
    *allergy_decision.urlpatterns,
    *mar.urlpatterns,
]
