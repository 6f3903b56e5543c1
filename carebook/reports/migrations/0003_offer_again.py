from django.db import migrations

from carebook.reports import triggers


def reinstall(apps, schema_editor):
    """The change log's triggers on the administrations again: SQLite dropped them when medication 0013 rebuilt the
    table (a constraint added). On PostgreSQL this drops and recreates the same triggers."""
    for sql in [*triggers.drop_sql(schema_editor.connection.vendor), *triggers.install_sql(schema_editor.connection.vendor)]:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_prompt_rollups"),
        ("medication", "0013_offer_again"),
    ]

    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
