"""Readings that can stop a dose (ADR 0017): the prescriber's limits on a prescription, the decision kept
with each reading taken."""

from django.conf import settings
from django.db import migrations, models

from carebook.core.append_only import ProtectAppendOnly


class Migration(migrations.Migration):

    dependencies = [
        ('medication', '0006_course_in_doses_and_late_dose_decisions'),
        ('people', '0004_nhs_number_checked'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='prescription',
            name='reading_above',
            field=models.DecimalField(blank=True, decimal_places=1, max_digits=5, null=True),
        ),
        migrations.AddField(
            model_name='prescription',
            name='reading_above_action',
            field=models.CharField(blank=True, choices=[('withhold', 'Do not give'), ('give_and_tell', 'Give, and tell someone')], default='', max_length=20),
        ),
        migrations.AddField(
            model_name='prescription',
            name='reading_below',
            field=models.DecimalField(blank=True, decimal_places=1, max_digits=5, null=True),
        ),
        migrations.AddField(
            model_name='prescription',
            name='reading_below_action',
            field=models.CharField(blank=True, choices=[('withhold', 'Do not give'), ('give_and_tell', 'Give, and tell someone')], default='', max_length=20),
        ),
        migrations.AddField(
            model_name='prescription',
            name='reading_plan',
            field=models.TextField(blank=True, default='', help_text='What to do outside the limits, as the prescriber wrote it.'),
        ),
        migrations.AddField(
            model_name='promptanswer',
            name='decision',
            field=models.CharField(blank=True, choices=[('give', 'Within the prescribed limits: give'), ('withhold', 'Outside the prescribed limits: do not give'), ('give_and_tell', 'Outside the prescribed limits: give, and tell someone')], default='', max_length=20),
        ),
        migrations.AddConstraint(
            model_name='prescription',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('reading_below__isnull', True), ('reading_below_action', '')), models.Q(('reading_below__gt', 0), ('reading_below_action__in', ['withhold', 'give_and_tell'])), _connector='OR'), name='prescription_reading_below_action'),
        ),
        migrations.AddConstraint(
            model_name='prescription',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('reading_above__isnull', True), ('reading_above_action', '')), models.Q(('reading_above__gt', 0), ('reading_above_action__in', ['withhold', 'give_and_tell'])), _connector='OR'), name='prescription_reading_above_action'),
        ),
        migrations.AddConstraint(
            model_name='prescription',
            constraint=models.CheckConstraint(condition=models.Q(('reading_below__isnull', True), ('reading_above__isnull', True), ('reading_above__gt', models.F('reading_below')), _connector='OR'), name='prescription_reading_limits_in_order'),
        ),
        migrations.AddConstraint(
            model_name='prescription',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('reading_above__isnull', True), ('reading_below__isnull', True)), models.Q(models.Q(('reading_plan', ''), _negated=True), models.Q(('required_check', ''), _negated=True)), _connector='OR'), name='prescription_reading_limits_need_check_and_plan'),
        ),
        migrations.AddConstraint(
            model_name='promptanswer',
            constraint=models.CheckConstraint(condition=models.Q(('decision', ''), models.Q(('decision__in', ['give', 'withhold', 'give_and_tell']), ('prompt__in', ['blood_glucose', 'blood_pressure', 'pulse']), ('result', 'confirmed'), ('value__isnull', False)), _connector='OR'), name='prompt_answer_decision_of_a_reading'),
        ),
        # New columns on protected tables: SQLite rebuilt both tables and dropped their triggers, and the
        # triggers name every fixed column, so both are protected again (ADR 0005). The new columns are fixed.
        ProtectAppendOnly(
            "prescription",
            mutable={
                "status": [
                    ("active", "discontinued"),
                    ("active", "superseded"),
                    ("active", "suspended"),
                    ("suspended", "active"),
                    ("suspended", "discontinued"),
                    ("suspended", "superseded"),
                ]
            },
        ),
        ProtectAppendOnly("promptanswer"),
    ]
