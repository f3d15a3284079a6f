"""Writes made from the pages, with stale-edit detection.

Each page that changes a record carries the ``version`` the user saw. Here the record is locked
and its version compared inside the same transaction as the change, then the owning app's
service makes the change (and writes the audit event): a change made by someone else in between
is refused, never silently overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from aptrack.accounts import scopes
from aptrack.placements import services as placement_services
from aptrack.placements.models import Placement

STALE = ("Someone else changed this placement since you opened it. Check what it says now, "
         "then make your change again.")

PLACEMENT_ACTIONS: dict[str, Callable[..., Placement]] = {
    "agree": placement_services.placement_agree,
    "start": placement_services.placement_start,
    "cancel": placement_services.placement_cancel,
    "end": placement_services.placement_end,
}


@transaction.atomic
def placement_act(*, actor: Any, placement: Placement, version: int, action: str,
                  **kwargs: Any) -> Placement:
    """Agree, start, cancel or end a placement if nobody changed it since ``version``.

    Refuses a placement outside the actor's scope as if it did not exist, and a stale version
    with a ``ValidationError`` (code ``stale``).
    """
    locked = scopes.lock_for_change(Placement, placement.pk, actor, version=version, stale=STALE)
    return PLACEMENT_ACTIONS[action](actor=actor, placement=locked, **kwargs)
