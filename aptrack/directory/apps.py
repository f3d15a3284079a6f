from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    """Local authorities, establishments, providers, sites and school calendars."""

    name = "aptrack.directory"
    label = "directory"
