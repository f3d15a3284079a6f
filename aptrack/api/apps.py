from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "aptrack.api"
    label = "api"
