"""The world of the permission matrix (tests/accounts/test_route_matrix.py).

Two sides, built once per test module: side ``a`` in LA 332 (a pupil of Test High placed at the
Test PRU, with every kind of record about them) and side ``b`` in LA 333 (the same records about
a pupil of another LA's school placed at that LA's provider). One user of **every** role in
``Role`` is made on side ``a``, in the organisation of the kind the role belongs to, so a role
added to ``Role`` gets a user here without a change.

``objects[side][kind]`` is the primary key the matrix puts in a URL: side ``a`` is the in-scope
object, side ``b`` the out-of-scope one (except where a route's ``Spec.out`` says otherwise:
the directory is shared).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings

from aptrack.accounts.choices import ROLES_BY_ORGANISATION, OrganisationKind, Role
from aptrack.accounts.models import Organisation, User
from aptrack.learners import services as learner_services
from aptrack.placements import services as placement_services
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class MatrixWorld:
    world: Any
    users: dict[str, User]  # role value -> the user of that role on side a
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # role value -> bearer token
    own: dict[str, dict[str, Any]] = field(default_factory=dict)  # role -> own token, webhook
    orgs: dict[str, Organisation] = field(default_factory=dict)


def _checks(provider: Any, *, la: Any = None, establishment: Any = None) -> Any:
    from aptrack.quality.models import ProviderCheck

    last = None
    for kind in settings.QUALITY["CRITICAL_CHECKS"]:
        last = ProviderCheck.objects.create(
            provider=provider, commissioning_la=la, commissioning_establishment=establishment,
            kind=kind, outcome="met", checked_on=date.today())
    return last


def _side(world: Any, *, la: Any, school: Any, provider: Any, owner: User) -> dict[str, Any]:
    """Every kind of record about one learner on one side, by kind name."""
    from aptrack.api import services as api_services
    from aptrack.api.models import WebhookSubscription
    from aptrack.attendance.models import Alert, AttendanceImport, AttendanceMark
    from aptrack.directory.models import Site
    from aptrack.quality import services as quality_services
    from aptrack.quality.models import (
        EvidenceFile,
        LiaisonEntry,
        OffSiteNotice,
        PlacementAgreement,
        PlacementOutcome,
        PlacementReview,
        ProviderStatusDecision,
        RegistrationAlert,
        ReviewRequest,
    )

    learner = factories.learner(school)
    exclusion = learner_services.exclusion_record(
        actor=None, learner=learner, school=school, category="FIXD",
        first_day=date(2025, 11, 3), reason_1="BU", school_days=2)
    _checks(provider, establishment=school)
    la_check = _checks(provider, la=la)
    def commission(start: date) -> Any:
        made = placement_services.placement_commission(
            actor=None, learner=learner, provider=provider, commissioner_kind="school",
            reason="preventative", tier=2, start_date=start, hours_per_week=25,
            commissioning_establishment=school)
        return placement_services.placement_start(actor=None, placement=made)

    earlier = commission(date(2025, 9, 8))  # ended: the one with an outcome
    placement_services.placement_end(actor=None, placement=earlier, end_date=date(2025, 10, 3),
                                     end_reason="planned_end", destination="returned_home_school")
    placement = commission(date(2025, 10, 6))
    site = Site.objects.create(establishment=provider, name="Main", address="1 Road",
                               postcode="AB1 2CD", is_main=True)
    mark = AttendanceMark.objects.create(
        learner=learner, setting=provider, date=date(2025, 10, 7), session="AM", code="/",
        category="present", placement=placement, source="web")
    alert = Alert.objects.create(kind="absence", learner=learner, setting=provider,
                                 placement=placement, date=date(2025, 10, 8), session="AM",
                                 code="O")
    upload = AttendanceImport.objects.create(setting=school, uploaded_by=owner,
                                             filename="marks.csv")
    stored = f"matrix-{la.code}-{la_check.pk}.pdf"
    directory = quality_services.evidence_dir()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / stored).write_bytes(PDF)
    evidence = EvidenceFile.objects.create(
        check_record=la_check, original_name="letter.pdf", stored_name=stored,
        content_type="application/pdf", size=len(PDF), sha256="0" * 64)
    status = ProviderStatusDecision.objects.create(provider=provider, la=la, status="approved",
                                                   reasons="Checked.", decided_on=date.today())
    reg_alert = RegistrationAlert.objects.create(provider=provider, reason="Full time",
                                                 full_time_count=5, fingerprint=f"m{la.code}")
    reg_alert.las.add(la)
    reg_alert.tipping_placements.add(placement)
    agreement = PlacementAgreement.objects.create(
        placement=placement, intervention="Small group", reintegration_plan="Back by Easter",
        reporting_arrangements="Weekly", learner_views="Fine", parent_views="Fine",
        agreed_on=date(2025, 10, 1))
    notice = OffSiteNotice.objects.create(
        placement=placement, parent_name="Parent", given_on=date(2025, 10, 1),
        first_day=date(2025, 10, 6), number_of_days=10, reasons="Behaviour",
        session_times="9-3", contact="Office", notice_by=date(2025, 10, 2))
    request = ReviewRequest.objects.create(placement=placement, requested_on=date(2025, 11, 1),
                                           requested_by="parent", must_hold=True)
    review = PlacementReview.objects.create(
        placement=placement, held_on=date(2025, 11, 3), attendees="Learner, parent",
        learner_view="Likes it.", decision="continue", next_review_on=date(2025, 12, 12),
        recorded_by=owner)
    liaison = LiaisonEntry.objects.create(placement=placement, kind="call",
                                          occurred_on=date(2025, 10, 10), with_whom="Parent",
                                          summary="Agreed the timetable.",
                                          recorded_by=owner)
    outcome = PlacementOutcome.objects.create(
        placement=earlier, destination="home_school",
        follow_up_due=date.today() + timedelta(days=30), recorded_by=owner)
    webhook = WebhookSubscription.objects.create(owner=owner, url="https://hooks.example.org/x",
                                                 events=["placement.created"])
    token = api_services.token_create(actor=None, user=owner, name="matrix")[0]
    colleague = factories.user(f"colleague_{la.code}", owner.organisation, owner.role)
    return {
        "learner": learner.pk, "enrolment": learner.enrolments.order_by("pk").first().pk,
        "exclusion": exclusion.pk, "placement": placement.pk, "establishment": provider.pk,
        "site": site.pk, "mark": mark.pk, "alert": alert.pk, "import": upload.pk,
        "check": la_check.pk, "evidence": evidence.pk, "status": status.pk,
        "registration_alert": reg_alert.pk, "agreement": agreement.pk, "notice": notice.pk,
        "review_request": request.pk, "review": review.pk, "liaison": liaison.pk,
        "outcome": outcome.pk, "webhook": webhook.pk, "token": token.pk, "user": colleague.pk,
        "code": la.code,
    }


def build() -> MatrixWorld:
    from aptrack.api import services as api_services

    world = factories.World.build()
    w = MatrixWorld(world=world, users={})
    w.orgs = {
        OrganisationKind.LOCAL_AUTHORITY: world.users["la_officer"].organisation,
        OrganisationKind.SCHOOL: world.users["school_dsl"].organisation,
        OrganisationKind.PROVIDER: world.users["provider_staff"].organisation,
    }
    college = factories.establishment(world.la, "Test College", "fe_college", urn="100009")
    w.orgs[OrganisationKind.POST16_PROVIDER] = Organisation.objects.create(
        name="College", kind=OrganisationKind.POST16_PROVIDER, establishment=college)
    for kind, roles in ROLES_BY_ORGANISATION.items():
        for role in roles:
            w.users[role] = factories.user(f"m_{role}", w.orgs[kind], role)
    missing = set(Role) - set(w.users)
    assert not missing, f"roles with no organisation kind in ROLES_BY_ORGANISATION: {missing}"
    from aptrack.api.models import WebhookSubscription

    for role, user in w.users.items():
        token, w.tokens[role] = api_services.token_create(actor=None, user=user, name="t")
        hook = WebhookSubscription.objects.create(owner=user, url="https://hooks.example.org/",
                                                  events=["placement.created"])
        w.own[role] = {"token": token.pk, "webhook": hook.pk}
    w.objects["a"] = _side(world, la=world.la, school=world.school, provider=world.pru,
                           owner=w.users[Role.LA_OFFICER])
    b_school = factories.establishment(world.other_la, "Far High", "mainstream_school",
                                       urn="200001", estab_number="4001")
    b_provider = factories.establishment(world.other_la, "Far PRU", "pru", urn="200003",
                                         estab_number="1100")
    w.objects["b"] = _side(world, la=world.other_la, school=b_school, provider=b_provider,
                           owner=world.users["other_la_officer"])
    return w
