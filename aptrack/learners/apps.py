from django.apps import AppConfig


class LearnersConfig(AppConfig):
    """Learners, their school roll (enrolments) and exclusions."""

    name = "aptrack.learners"
    label = "learners"
