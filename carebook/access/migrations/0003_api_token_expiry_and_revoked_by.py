"""API tokens expire, have a public id, and record who revoked them.

Existing tokens get a random public id and expire 90 days after they were made (the default of
CAREBOOK_API_TOKEN_DAYS); a token older than that is refused as expired.
"""

import datetime as dt
import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

EXISTING_TOKEN_DAYS = 90


def fill_public_id_and_expiry(apps, schema_editor):
    ApiToken = apps.get_model("access", "ApiToken")
    for token in ApiToken.objects.all().only("pk", "created_at"):
        token.public_id = uuid.uuid4()
        token.expires_at = token.created_at + dt.timedelta(days=EXISTING_TOKEN_DAYS)
        token.save(update_fields=["public_id", "expires_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0002_witness_failure"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="public_id",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(fill_public_id_and_expiry, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="api_tokens_revoked",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.CheckConstraint(
                condition=models.Q(("expires_at__gt", models.F("created_at"))),
                name="api_token_expires_after_created",
            ),
        ),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.CheckConstraint(
                condition=models.Q(("revoked_by__isnull", True), ("revoked_at__isnull", False), _connector="OR"),
                name="api_token_revoked_by_needs_revoked_at",
            ),
        ),
    ]
