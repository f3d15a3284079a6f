"""Helpers shared by the page views: audited learner reads, role checks, what-was-decided text."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest

from aptrack.accounts import audit
from aptrack.accounts.scopes import LA_ROLES, PROVIDER_ROLES, SCHOOL_ROLES, WRITER_ROLES
from aptrack.codes import table
from aptrack.learners import selectors as learner_selectors
from aptrack.learners.models import Learner
from aptrack.placements.choices import CommissionerKind, RegistrationAtProvider


def role_of(request: HttpRequest) -> str:
    return getattr(request.user, "role", "")


def is_la(request: HttpRequest) -> bool:
    return role_of(request) in LA_ROLES


def is_school(request: HttpRequest) -> bool:
    return role_of(request) in SCHOOL_ROLES


def is_provider(request: HttpRequest) -> bool:
    return role_of(request) in PROVIDER_ROLES


def may_write(request: HttpRequest) -> bool:
    return role_of(request) in WRITER_ROLES


def require_commissioner(request: HttpRequest) -> None:
    """Only LA and school writers commission: for anyone else the pages do not exist."""
    if not (may_write(request) and (is_la(request) or is_school(request))
            and request.user.organisation is not None):
        raise Http404("No such page")


def audited_learner(request: HttpRequest, pk: int, action: str = "learner.view") -> Learner:
    """The learner if in the user's scope, with the read written to the audit trail; a denied
    read is audited too and is a 404 (out of scope is absent, never forbidden)."""
    try:
        learner = learner_selectors.learner_get(user=request.user, pk=pk)
    except Learner.DoesNotExist:
        audit.denied(request, object_type="learner", object_id=pk)
        raise Http404("No such learner") from None
    audit.record(actor=request.user, action=action, obj=learner, learner_id=learner.pk)
    return learner


def _code_meaning(code: str) -> str:
    for row in table("attendance_codes"):
        if row["code"] == code:
            return row["meaning"]
    return ""


def describe_decision(*, decided: dict[str, Any], provider: Any, home_school: Any,
                      commissioner: str) -> dict[str, str]:
    """What the rules decided for a placement, in words for the check-answers and placement
    pages (DOMAIN.md sections 1 and 2)."""
    responsible = CommissionerKind(decided["responsible"])
    who = {CommissionerKind.LOCAL_AUTHORITY: "The local authority",
           CommissionerKind.SCHOOL: f"The school{f' ({home_school})' if home_school else ''}",
           CommissionerKind.POST16_PROVIDER: "The post-16 provider"}[responsible]
    if commissioner and responsible != commissioner:
        who += f" (commissioned by the {CommissionerKind(commissioner).label.lower()})"
    if decided["remains_on_roll"] and home_school:
        roll = f"Stays on the roll of {home_school}"
    elif home_school:
        roll = (f"Leaves the roll of {home_school} when the permanent exclusion is final "
                "(until then, stays on it)")
    else:
        roll = "Not on a school roll"
    pending_then_single = (decided["registration_at_provider"] == RegistrationAtProvider.SINGLE
                           and home_school and not decided["remains_on_roll"])
    registration = {
        RegistrationAtProvider.DUAL: f"Dual registered: {home_school or 'home school'} main, "
                                     f"{provider} subsidiary",
        RegistrationAtProvider.SINGLE: f"Single registered at {provider}",
        RegistrationAtProvider.NONE: f"Not registered at {provider}: it is not a school",
    }[RegistrationAtProvider(decided["registration_at_provider"])]
    if pending_then_single:
        registration = (f"Single registered at {provider} once the exclusion is final; until "
                        f"then dual: {home_school} main, {provider} subsidiary")
    code = decided["home_school_code"]
    if code and home_school:
        home_code = f"{code}: {_code_meaning(code)}"
    elif home_school:
        home_code = "No code once the learner leaves the roll"
    else:
        home_code = "No home school register"
    if provider.is_school:
        provider_register = (f"{provider} records the learner's real mark each session "
                             "(present, late or an absence code)")
    else:
        provider_register = (f"{provider} keeps no admission register: it reports attendance "
                             "to the commissioner twice a day"
                             + (f", and the home school records an absence code instead of "
                                f"{code} when the learner does not attend" if code else ""))
    due: date | None = decided["provision_due_by"]
    return {
        "responsible": who, "roll": roll, "registration": registration, "home_code": home_code,
        "provider_register": provider_register,
        "due": (f"{due:%A %-d %B %Y} (the 6th school day, on the excluding school's calendar)"
                if due else "No statutory start day for this reason"),
        "legal_basis": decided.get("legal_basis", ""),
    }


def placement_decision(placement: Any) -> dict[str, str]:
    """``describe_decision`` for a stored placement."""
    return describe_decision(
        decided={f: getattr(placement, f) for f in (
            "responsible", "remains_on_roll", "registration_at_provider", "home_school_code",
            "provision_due_by", "legal_basis")},
        provider=placement.provider, home_school=placement.home_school,
        commissioner=placement.commissioner_kind)


def today() -> date:
    return date.today()
