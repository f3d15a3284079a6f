from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "aptrack.quality"
    label = "quality"

    def ready(self) -> None:
        """Run the registration watch whenever a placement, or a learner's SEN/looked-after
        status, changes, whichever service made the change (after the transaction commits)."""
        from django.db.models.signals import post_save

        from aptrack.learners.models import Learner
        from aptrack.placements.models import Placement

        from . import signals

        post_save.connect(signals.placement_saved, sender=Placement,
                          dispatch_uid="quality.placement_saved")
        post_save.connect(signals.learner_saved, sender=Learner,
                          dispatch_uid="quality.learner_saved")
