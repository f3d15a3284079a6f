from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "aptrack.exchange"
    label = "exchange"
