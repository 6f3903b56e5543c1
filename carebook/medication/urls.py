"""The medication pages. Each views module owns its own routes."""

from carebook.medication.views import allergy_decision, dosing, mar, one_pass, prescriptions, record
from carebook.medication.views import round as round_views

app_name = "medication"

urlpatterns = [
    *round_views.urlpatterns,
    *record.urlpatterns,
    *one_pass.urlpatterns,
    *prescriptions.urlpatterns,
    *dosing.urlpatterns,
    *allergy_decision.urlpatterns,
    *mar.urlpatterns,
]
