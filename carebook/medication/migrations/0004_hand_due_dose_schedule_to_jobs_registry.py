"""Hand the due-dose horizon schedule over to the jobs registry (ADR 0008).

Migration 0002 created a django-q2 schedule calling carebook.medication.jobs.extend_due_dose_horizon
every 15 minutes. The job is now declared in carebook/medication/jobs.py and its schedule is kept
by carebook.core.jobs.sync_schedules, which runs after every migrate; this removes the old row so
the job is not scheduled twice. Reversing puts the old row back for the code that expects it.
"""

from django.db import migrations

OLD_FUNC = "carebook.medication.jobs.extend_due_dose_horizon"


def remove_old_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.using(schema_editor.connection.alias).filter(func=OLD_FUNC).delete()


def restore_old_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    manager = Schedule.objects.using(schema_editor.connection.alias)
    if not manager.filter(func=OLD_FUNC).exists():
        manager.create(name="Generate due doses ahead", func=OLD_FUNC, schedule_type="I", minutes=15, repeats=-1)


class Migration(migrations.Migration):
    dependencies = [("medication", "0003_dose_windows_and_vocabulary_constraints")]

    operations = [migrations.RunPython(remove_old_schedule, restore_old_schedule)]
