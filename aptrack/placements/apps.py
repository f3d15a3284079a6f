from django.apps import AppConfig


class PlacementsConfig(AppConfig):
    """Referral, commission and placement of learners in alternative provision."""

    name = "aptrack.placements"
    label = "placements"
