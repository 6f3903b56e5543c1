# The checker can query or reject an entry (H07). Altering the table drops its SQLite triggers: protect it again.

from django.conf import settings
from django.db import migrations, models

from carebook.core.append_only import ProtectAppendOnly


class Migration(migrations.Migration):

    dependencies = [
        ('medication', '0014_patch_sites'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='prescriptionevent',
            name='prescription_event_kind_valid',
        ),
        migrations.AlterField(
            model_name='prescriptionevent',
            name='kind',
            field=models.CharField(choices=[('created', 'Entered'), ('changed', 'Replaced by a new version'), ('transcription_checked', 'Transcription checked'), ('transcription_queried', 'Transcription queried'), ('transcription_rejected', 'Transcription rejected'), ('suspended', 'Suspended'), ('resumed', 'Resumed'), ('discontinued', 'Discontinued')], max_length=30),
        ),
        migrations.AddConstraint(
            model_name='prescriptionevent',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['created', 'changed', 'transcription_checked', 'transcription_queried', 'transcription_rejected', 'suspended', 'resumed', 'discontinued'])), name='prescription_event_kind_valid'),
        ),
        ProtectAppendOnly("prescriptionevent"),
    ]
