from django.apps import AppConfig


class WebConfig(AppConfig):
    """The web pages: sign-in, home and learner pages, on the GOV.UK Design System."""

    name = "aptrack.web"
    label = "web"
