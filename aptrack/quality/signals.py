"""Hooks that keep the registration watch current: after any change to a placement, or to a
learner with current placements, the providers concerned are re-tested once the transaction
commits (``aptrack.quality.services.registration_watch``, idempotent: an unchanged result
raises no new alert)."""

from __future__ import annotations

from typing import Any


def placement_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    from . import services

    services.watch_after_commit(instance.provider_id)


def learner_saved(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    if created:
        return
    from aptrack.placements.models import Placement

    from . import services

    for provider_id in set(Placement.objects.filter(learner_id=instance.pk,
                                                    status__in=["agreed", "active"])
                           .values_list("provider_id", flat=True)):
        services.watch_after_commit(provider_id)
