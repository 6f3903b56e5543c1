from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "carebook.evidence"
    label = "evidence"
    verbose_name = "Evidence packs"
