"""Demo data of the quality app, loaded by `aptrack seed_demo` after the core demo data.

All synthetic. Through the services (system actor), so the rules decide as for real users:
the LA's and Oakfield's checks of the providers (Hollybank has not checked Forge, so it cannot
place there), statuses, an evidence file, agreements, reviews, liaison notes (one a
safeguarding concern), off-site direction notices, outcomes and follow-ups.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models

from aptrack.placements.models import Placement

from . import services
from .choices import PLACEMENT_DESTINATION, REINTEGRATION
from .models import (
    CheckOverride,
    CheckReminder,
    EvidenceFile,
    LiaisonEntry,
    OffSiteNotice,
    PlacementAgreement,
    PlacementOutcome,
    PlacementReview,
    ProviderCheck,
    ProviderStatusDecision,
    RegistrationAlert,
    ReviewRequest,
)

PROVIDERS = ["castle_gate", "meadow_view", "ridgeway", "willowbrook", "rosewood", "hawthorn",
             "forge", "second_chance", "canal_side"]
FROM_PLACEMENT = {v: k for k, v in reversed(PLACEMENT_DESTINATION.items())}


def _checks(loader: Any, provider: Any, who: dict[str, Any], rng: random.Random) -> None:
    for kind in [*settings.QUALITY["CRITICAL_CHECKS"], "site_visit", "single_central_record"]:
        checked = loader.today - timedelta(days=rng.randint(20, 200))
        expires = None
        if provider.name.startswith("Forge") and kind == "insurance":
            expires = loader.today + timedelta(days=20)  # shows "expires soon"
        services.check_record(actor=None, provider=provider, kind=kind, outcome="met",
                              checked_on=checked, expires_on=expires, **who)


def load(loader: Any) -> dict[str, int]:
    """Add this app's demo records; `loader` is the core DemoLoader (.today, .est)."""
    rng = random.Random(7)  # noqa: S311 - demo data, not security
    est = loader.est
    la = est["castle_gate"].la
    for key in PROVIDERS:
        _checks(loader, est[key], {"commissioning_la": la}, rng)
        status = "conditional" if key == "forge" else "approved"
        reasons = ("Approved after the annual visit" if status == "approved" else
                   "Approved on condition the workshop satellite's risk assessment is renewed")
        services.provider_status_set(actor=None, provider=est[key], status=status,
                                     reasons=reasons, la=la,
                                     decided_on=loader.today - timedelta(days=90))
    for key in ("castle_gate", "forge", "canal_side", "ridgeway", "hawthorn"):
        _checks(loader, est[key], {"commissioning_establishment": est["oakfield"]}, rng)
    _checks(loader, est["castle_gate"], {"commissioning_establishment": est["hollybank"]}, rng)
    letter = ProviderCheck.objects.filter(provider=est["forge"], kind="staff_checks",
                                          commissioning_la=la).first()
    upload = SimpleUploadedFile("forge-staff-checks-letter.pdf", _letter())
    services.evidence_attach(actor=None, check=letter, upload=upload)

    placements = list(Placement.objects.filter(learner__home_la=la, status__in=["active",
                                                                                "ended"])
                      .select_related("learner", "provider").order_by("pk"))
    counts = {"agreements": 0, "reviews": 0, "liaison": 0, "outcomes": 0}
    concerned: set[int | None] = set()  # every home school's DSL has a concern to see
    providers_concerned: set[int] = set()  # and so has every provider's DSL (active ones)
    for index, p in enumerate(placements):
        _agreement(p)
        counts["agreements"] += 1
        if p.reason == "off_site_direction":
            _notice(p)
        held = p.start_date + timedelta(days=28)
        if held < min(loader.today, p.end_date or loader.today) and index % 4:
            _review(p, held, rng)
            counts["reviews"] += 1
        concern = (index % 9 == 0 or p.home_school_id not in concerned
                   or (p.status == "active" and p.provider_id not in providers_concerned))
        concerned.add(p.home_school_id)
        if p.status == "active":
            providers_concerned.add(p.provider_id)
        counts["liaison"] += _liaison(p, concern, loader.today)
        if p.status == "ended":
            _outcome(p, rng, loader.today)
            counts["outcomes"] += 1
    services.registration_watch(provider_id=est["forge"].pk, on=loader.today)
    return counts


def _letter() -> bytes:
    """A one-page synthetic PDF letter."""
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 760, "Forge Skills Project (demo): written confirmation that staff")
    page.drawString(72, 744, "safeguarding checks (enhanced DBS with barred list) are done.")
    page.save()
    return buffer.getvalue()


def _agreement(p: Placement) -> None:
    services.agreement_save(
        actor=None, placement=p, intervention=f"{p.get_reason_display()}: small-group teaching "
        "with a key worker", reintegration_plan="Phased return to the home school, two days a "
        "week at first", reintegration_by=p.planned_end_date,
        maximum_weeks=12 if p.reason == "off_site_direction" else None,
        reporting_arrangements="Daily attendance; fortnightly progress report to the DSL",
        learner_views="Wants help with maths and to get back to friends",
        parent_views="Supports the placement", agreed_on=p.start_date,
        objectives=[{"description": "Attend every expected session",
                     "target": "Attendance of 90% or more"},
                    {"description": "Improve reading", "target": "Reading age up 6 months"}])


def _notice(p: Placement) -> None:
    from aptrack.rules import clocks

    calendar = services.commissioner_calendar(p)
    try:
        given = clocks.off_site_direction_notice_by(first_day=p.start_date,
                                                    calendar=calendar.rules)
        services.off_site_notice_record(
            actor=None, placement=p, parent_name="Parent (demo)", given_on=given,
            number_of_days=30, reasons="Persistent disruption of lessons (demo)",
            session_times="9:00am to 3:00pm on the agreed days",
            contact="Placement coordinator, 01384 000000 (demo)")
    except (ValidationError, ValueError):
        return


def _review(p: Placement, held: date, rng: random.Random) -> None:
    objectives = p.agreement.objectives.all()
    services.review_record(
        actor=None, placement=p, held_on=held, attendees="Home school DSL, provider key worker,"
        " parent, learner", learner_view="Feels calmer; likes the practical work",
        decision="continue",
        progress={o.pk: (rng.choice(["some", "good", "met"]), "") for o in objectives})


def _liaison(p: Placement, concern: bool, today: date) -> int:
    on = min(p.start_date + timedelta(days=3), today)
    services.liaison_record(actor=None, placement=p, kind="call", occurred_on=on,
                            with_whom="Provider key worker",
                            summary="First week: arrived on time, settled into the group.")
    if concern:
        services.liaison_record(
            actor=None, placement=p, kind="concern", occurred_on=on, safeguarding=True,
            with_whom="Provider DSL", summary="Learner disclosed a worry at home; referred "
            "to the home school DSL the same day (demo).")
        return 2
    return 1


def _outcome(p: Placement, rng: random.Random, today: date) -> None:
    destination = FROM_PLACEMENT.get(p.destination, "other")
    note = (p.get_destination_display() + " (demo)") if destination == "other" else ""
    outcome = services.outcome_record(actor=None, placement=p, destination=destination,
                                      destination_note=note)
    if destination in REINTEGRATION and outcome.follow_up_due and outcome.follow_up_due <= today:
        services.follow_up_record(actor=None, outcome=outcome,
                                  followed_up_on=outcome.follow_up_due,
                                  result=rng.choice(["still_there", "still_there", "left"]))


def reset(la_ids: list[int], learner_ids: list[int]) -> None:
    """Delete this app's demo records of those LAs and learners before the core data goes."""
    placements = Placement.objects.filter(
        models.Q(learner_id__in=learner_ids) | models.Q(provider__la_id__in=la_ids))
    evidence = EvidenceFile.objects.filter(check_record__provider__la_id__in=la_ids)
    for item in evidence:
        (services.evidence_dir() / item.stored_name).unlink(missing_ok=True)
    evidence.delete()
    CheckReminder.objects.filter(check_record__provider__la_id__in=la_ids).delete()
    ProviderCheck.objects.filter(provider__la_id__in=la_ids).delete()
    ProviderStatusDecision.objects.filter(provider__la_id__in=la_ids).delete()
    RegistrationAlert.objects.filter(provider__la_id__in=la_ids).delete()
    for model in (PlacementOutcome, PlacementReview, PlacementAgreement, OffSiteNotice,
                  ReviewRequest, CheckOverride):
        model.objects.filter(placement__in=placements).delete()
    # Liaison records are append-only for users; removing demo data is the one exception.
    entries = LiaisonEntry.objects.filter(placement__in=placements)
    models.QuerySet.update(entries, corrects=None)
    models.QuerySet.delete(entries)
