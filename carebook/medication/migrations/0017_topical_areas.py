# A cream or an ointment: its body areas and how thickly (H67).

from django.db import migrations, models

from carebook.core.append_only import ProtectAppendOnly


class Migration(migrations.Migration):

    dependencies = [
        ('medication', '0016_dosing_instructions'),
    ]

    operations = [
        migrations.AddField(
            model_name='prescription',
            name='apply_how',
            field=models.CharField(blank=True, choices=[('thin', 'A thin layer, rubbed in gently'), ('fingertip', 'Fingertip units, as the directions say'), ('liberal', 'Liberally (an emollient), smoothed on in the direction of hair growth')], default='', max_length=20),
        ),
        migrations.AddField(
            model_name='prescription',
            name='apply_to',
            field=models.JSONField(blank=True, default=list),
        ),
        # SQLite rebuilt the prescriptions' table for its new columns: its triggers again (ADR 0005).
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
