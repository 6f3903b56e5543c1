from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "carebook.people"
    label = "people"
