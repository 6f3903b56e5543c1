# A dose set by the clinic with no instruction in force (ADR 0037). SQLite rebuilt the table: its triggers again.

from django.conf import settings
from django.db import migrations, models

from carebook.core.append_only import ProtectAppendOnly


class Migration(migrations.Migration):

    dependencies = [
        ('alerts', '0006_staff_alerts_and_prompt_thresholds'),
        ('medication', '0017_topical_areas'),
        ('organisations', '0001_initial'),
        ('people', '0005_allergy_records_coded_and_corrected'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='alert',
            name='alert_kind_valid',
        ),
        migrations.AlterField(
            model_name='alert',
            name='kind',
            field=models.CharField(choices=[('overdue_dose', 'Overdue dose'), ('missed_dose', 'Missed dose'), ('refused_offer_again', 'Refused, to offer again'), ('repeated_refusal', 'Repeated refusal'), ('repeated_omissions', 'Repeated omissions'), ('prn_pattern', 'When-required pattern'), ('prompt_not_confirmed', 'Safety check skipped or failed'), ('reading_outside_rule', 'Reading outside its rule'), ('allergy_overridden', 'Allergy warning overridden'), ('late_recording', 'Late recording'), ('transcription_outstanding', 'Transcription check outstanding'), ('dosing_instruction_missing', 'No dosing instruction from the clinic'), ('prompt_non_compliance', 'Safety checks repeatedly skipped or failed')], max_length=40),
        ),
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['overdue_dose', 'missed_dose', 'refused_offer_again', 'repeated_refusal', 'repeated_omissions', 'prn_pattern', 'prompt_not_confirmed', 'reading_outside_rule', 'allergy_overridden', 'late_recording', 'transcription_outstanding', 'dosing_instruction_missing', 'prompt_non_compliance'])), name='alert_kind_valid'),
        ),
            ProtectAppendOnly(
            "alert",
            mutable={
                "acknowledged_at": None,
                "acknowledged_by": None,
                "cleared_at": None,
                "cleared_by_administration": None,
                "cleared_reason": None,
                "escalated_at": None,
                "escalated_to": [("shift", "team_leader"), ("team_leader", "registered_manager")],
                "outcome": None,
                "resolved_at": None,
                "resolved_by": None,
                "status": [("acknowledged", "resolved"), ("open", "acknowledged")],
                "superseded_by": None,
            },
        ),
    ]
