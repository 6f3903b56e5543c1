# The clinic's dosing instructions (ADR 0037): two append-only tables, and the prescription's new column.

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models

from carebook.core.append_only import ProtectAppendOnly


class Migration(migrations.Migration):

    dependencies = [
        ('medication', '0015_transcription_send_back'),
        ('people', '0005_allergy_records_coded_and_corrected'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DosingInstruction',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('inr', models.DecimalField(decimal_places=1, help_text='The INR the clinic acted on.', max_digits=4)),
                ('inr_date', models.DateField(help_text='The day of that INR test.')),
                ('next_inr_date', models.DateField(help_text='The next INR test, as the clinic gave it.')),
                ('doses', models.JSONField()),
                ('source_note', models.CharField(blank=True, help_text='The letter or call it came from.', max_length=200)),
                ('entered_at', models.DateTimeField()),
            ],
            options={
                'ordering': ['-entered_at'],
            },
        ),
        migrations.CreateModel(
            name='DosingInstructionCheck',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('checked_at', models.DateTimeField()),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.AddField(
            model_name='prescription',
            name='dose_from_instructions',
            field=models.BooleanField(default=False),
        ),
        migrations.AddConstraint(
            model_name='prescription',
            constraint=models.CheckConstraint(condition=models.Q(('schedule_kind', 'prn'), ('dose_from_instructions', True), _negated=True), name='prescription_instructions_not_prn'),
        ),
        migrations.AddField(
            model_name='dosinginstruction',
            name='entered_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='dosinginstruction',
            name='prescription',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='dosing_instructions', to='medication.prescription'),
        ),
        migrations.AddField(
            model_name='dosinginstructioncheck',
            name='checked_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='dosinginstructioncheck',
            name='instruction',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='second_check', to='medication.dosinginstruction'),
        ),
        migrations.AddIndex(
            model_name='dosinginstruction',
            index=models.Index(fields=['prescription', 'entered_at'], name='dosing_rx_entered_idx'),
        ),
        migrations.AddConstraint(
            model_name='dosinginstruction',
            constraint=models.CheckConstraint(condition=models.Q(('inr__gt', 0)), name='dosing_inr_positive'),
        ),
        migrations.AddConstraint(
            model_name='dosinginstruction',
            constraint=models.CheckConstraint(condition=models.Q(('next_inr_date__gt', models.F('inr_date'))), name='dosing_next_test_after_last'),
        ),
        ProtectAppendOnly("dosinginstruction"),
    ProtectAppendOnly("dosinginstructioncheck"),
    # SQLite rebuilt the prescriptions' table for its new column and constraint: its triggers again (ADR 0005).
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
    ]
