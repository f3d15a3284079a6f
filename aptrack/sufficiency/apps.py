from django.apps import AppConfig


class SufficiencyConfig(AppConfig):
    name = "aptrack.sufficiency"
    label = "sufficiency"
