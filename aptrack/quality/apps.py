from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "aptrack.quality"
    label = "quality"
