# Home-care visits (ADR 0038): append-only but for their closing, once.

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models

from carebook.core.append_only import ProtectAppendOnly


class Migration(migrations.Migration):

    dependencies = [
        ('medication', '0017_topical_areas'),
        ('organisations', '0001_initial'),
        ('people', '0006_key_safe_note'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Visit',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('date', models.DateField(help_text='The day of the run (Europe/London).')),
                ('label', models.CharField(choices=[('morning', 'Morning'), ('lunch', 'Lunch'), ('tea', 'Tea'), ('bed', 'Bed'), ('other', 'Other')], max_length=20)),
                ('window_start', models.DateTimeField()),
                ('window_end', models.DateTimeField()),
                ('planned_at', models.DateTimeField()),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
                ('assigned_to', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='visits', to=settings.AUTH_USER_MODEL)),
                ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('location', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organisations.location')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='visits', to='people.person')),
                ('planned_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['window_start'],
                'indexes': [models.Index(fields=['assigned_to', 'date'], name='visit_worker_date_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('label__in', ['morning', 'lunch', 'tea', 'bed', 'other'])), name='visit_label_valid'), models.CheckConstraint(condition=models.Q(('window_end__gt', models.F('window_start'))), name='visit_window')],
            },
        ),
        ProtectAppendOnly("visit", mutable={"closed_at": None, "closed_by": None}),
    ]
