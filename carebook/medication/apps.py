from django.apps import AppConfig


class MedicationConfig(AppConfig):
    name = "carebook.medication"
    label = "medication"

    def ready(self) -> None:
        from carebook.medication import panels
        from carebook.medication.selectors.visits import people_visited
        from carebook.people.whereabouts import register_visit_lookup

        panels.register()
        register_visit_lookup(people_visited)
