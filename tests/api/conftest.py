"""API fixtures: the test world with learners in and out of each user's scope, and tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from aptrack.api import services as api_services
from aptrack.placements import services as placement_services
from tests import factories


def checks_in_order(provider: Any, *, la: Any = None, establishment: Any = None) -> None:
    """The commissioner's own critical checks of the provider, all satisfactory (the
    commissioning gate of aptrack.quality)."""
    from django.conf import settings

    from aptrack.quality.models import ProviderCheck

    for kind in settings.QUALITY["CRITICAL_CHECKS"]:
        ProviderCheck.objects.create(provider=provider, commissioning_la=la,
                                     commissioning_establishment=establishment, kind=kind,
                                     outcome="met", checked_on=date.today())


@dataclass
class ApiWorld:
    """``mine``: a Test High pupil placed at the PRU; ``theirs``: an Other High pupil placed at
    the unregistered AP. LA officer sees both; other LA officer neither; school DSL and PRU staff
    only ``mine``; other school DSL and AP staff only ``theirs``."""

    world: Any
    mine: Any
    theirs: Any
    mine_placement: Any
    theirs_placement: Any
    mine_exclusion: Any
    mine_alert: Any
    mine_review: Any
    mine_liaison: Any
    tokens: dict[str, str] = field(default_factory=dict)
    read_only_tokens: dict[str, str] = field(default_factory=dict)

    def client(self, who: str | None, *, read_only: bool = False) -> APIClient:
        c = APIClient()
        if who is not None:
            token = (self.read_only_tokens if read_only else self.tokens)[who]
            c.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return c


@pytest.fixture(autouse=True)
def _fresh_rate_counts() -> None:
    cache.clear()


@pytest.fixture
def api(world: Any) -> ApiWorld:
    mine = factories.learner(world.school)
    theirs = factories.learner(world.other_school)
    mine_placement = world.commission(mine, provider=world.pru)
    placement_services.placement_start(actor=None, placement=mine_placement)
    theirs_placement = world.commission(theirs, provider=world.ap)
    placement_services.placement_start(actor=None, placement=theirs_placement)
    from aptrack.learners import services as learner_services

    exclusion = learner_services.exclusion_record(
        actor=None, learner=mine, school=world.school, category="FIXD",
        first_day=date(2025, 11, 3), reason_1="BU", school_days=2)
    from aptrack.attendance.models import Alert

    alert = Alert.objects.create(kind="absence", learner=mine, setting=world.pru,
                                 placement=mine_placement, date=date(2025, 10, 8), session="AM",
                                 code="O")
    from aptrack.quality.models import LiaisonEntry, PlacementReview

    review = PlacementReview.objects.create(
        placement=mine_placement, held_on=date(2025, 11, 3), attendees="Learner, parent, DSL",
        learner_view="Likes the smaller groups.", decision="continue",
        next_review_on=date(2025, 12, 12))
    liaison = LiaisonEntry.objects.create(
        placement=mine_placement, kind="call", occurred_on=date(2025, 10, 10),
        with_whom="Parent", summary="Agreed the timetable.")
    result = ApiWorld(world=world, mine=mine, theirs=theirs, mine_placement=mine_placement,
                      theirs_placement=theirs_placement, mine_exclusion=exclusion,
                      mine_alert=alert, mine_review=review, mine_liaison=liaison)
    for school in (world.school, world.other_school):
        for provider in (world.ap, world.pru):
            checks_in_order(provider, establishment=school)
    for la in (world.la, world.other_la):
        checks_in_order(world.ap, la=la)
        checks_in_order(world.pru, la=la)
    for name, user in world.users.items():
        result.tokens[name] = api_services.token_create(actor=None, user=user, name="t")[1]
        result.read_only_tokens[name] = api_services.token_create(
            actor=None, user=user, name="ro", read_only=True)[1]
    return result
