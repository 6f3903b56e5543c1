from django.db import migrations

JOB = "carebook.medication.jobs.extend_due_dose_horizon"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    if not Schedule.objects.filter(func=JOB).exists():
        Schedule.objects.create(
            name="Generate due doses ahead",
            func=JOB,
            schedule_type="I",  # minutes
            minutes=15,
            repeats=-1,
        )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=JOB).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("medication", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
