"""The quality demo data: loaded by seed_demo through the services, it shows each demo role
the quality records it may see (and not the others), the gate refusing Hollybank at Forge,
and it is removed by --reset."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from aptrack.accounts.models import User
from aptrack.directory.models import Establishment
from aptrack.learners.models import Learner
from aptrack.placements import services as placements
from aptrack.quality import gate
from aptrack.quality.models import (
    EvidenceFile,
    LiaisonEntry,
    PlacementAgreement,
    PlacementOutcome,
    PlacementReview,
    ProviderCheck,
)

pytestmark = pytest.mark.django_db


def test_quality_demo_data(monkeypatch, evidence_dir):
    monkeypatch.setenv("APTRACK_DEMO_PASSWORD", "Demo-Password-2026!")
    call_command("seed_demo", stdout=StringIO())
    users = {u.username: u for u in User.objects.all()}
    forge = Establishment.objects.get(name__startswith="Forge")
    oakfield = users["school.dsl"].organisation.establishment
    hollybank = users["school2.dsl"].organisation.establishment
    assert gate.problems(provider=forge, commissioning_establishment=oakfield) == []
    assert len(gate.problems(provider=forge, commissioning_establishment=hollybank)) == 5
    learner = Learner.objects.for_user(users["school2.dsl"]).filter(
        enrolments__establishment=hollybank, enrolments__end_date__isnull=True).first()
    with pytest.raises(ValidationError, match="cannot be commissioned"):
        placements.placement_commission(
            actor=users["school2.dsl"], learner=learner, provider=forge,
            commissioner_kind="school", commissioning_establishment=hollybank,
            reason="preventative", tier=1, start_date=date.today(),
            hours_per_week=Decimal("5"))
    assert PlacementAgreement.objects.count() > 50 and PlacementReview.objects.exists()
    assert PlacementOutcome.objects.exists() and EvidenceFile.objects.count() == 1
    concerns = LiaisonEntry.objects.filter(safeguarding=True)
    assert concerns.exists()
    assert not LiaisonEntry.objects.for_user(users["la.officer"]).filter(
        safeguarding=True).exists()
    assert LiaisonEntry.objects.for_user(users["school.dsl"]).filter(safeguarding=True).exists()
    assert not LiaisonEntry.objects.for_user(users["provider2.staff"]).exclude(
        placement__provider=forge).exists()
    # The provider's DSL reads safeguarding notes of their own provider's placements only;
    # the provider's staff read none they did not write (the demo's notes are the system's).
    castle_gate = users["provider.dsl"].organisation.establishment
    dsl_sees = LiaisonEntry.objects.for_user(users["provider.dsl"]).filter(safeguarding=True)
    assert dsl_sees.exists()
    assert set(dsl_sees.values_list("placement__provider", flat=True)) == {castle_gate.pk}
    assert not LiaisonEntry.objects.for_user(users["provider.staff"]).filter(
        safeguarding=True).exists()
    # Reviews take their attendance from the demo registers, not typed figures.
    reviews = PlacementReview.objects.all()
    assert not reviews.exclude(attendance_percent=None).exists()
    assert reviews.filter(register_possible__gt=0).count() > reviews.count() // 2
    outcome = PlacementOutcome.objects.filter(destination="other").first()
    assert outcome is None or outcome.destination_note
    call_command("seed_demo", "--reset", stdout=StringIO())
    assert ProviderCheck.objects.count() > 0  # reloaded, and not duplicated:
    assert EvidenceFile.objects.count() == 1 and len(list(evidence_dir.iterdir())) == 1
