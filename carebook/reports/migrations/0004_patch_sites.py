from django.db import migrations

from carebook.reports import triggers


def reinstall(apps, schema_editor):
    """The change log's triggers on the administrations again: SQLite dropped them when medication 0014 rebuilt the
    table (columns added). On PostgreSQL this drops and recreates the same triggers."""
    for sql in [*triggers.drop_sql(schema_editor.connection.vendor), *triggers.install_sql(schema_editor.connection.vendor)]:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_offer_again"),
        ("medication", "0014_patch_sites"),
    ]

    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
