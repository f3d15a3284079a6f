from django.apps import AppConfig


class ScaleConfig(AppConfig):
    """Synthetic data at LA, region and national scale for benchmarks and load tests."""

    name = "aptrack.scale"
    label = "scale"
