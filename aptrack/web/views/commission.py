"""Commission a placement: one question a page, then a check-answers page showing what the
rules decide (who is responsible, roll and registration, each register's code, the day
full-time provision is due), then confirm. LA officers and school staff use it; a school may
commission for a suspension, an off-site direction or prevention (its LA sees the placement at
once, on its dashboard and referral queue).

The answers live in the session until confirmed; every answer is checked again against the
user's scope when it is used, and the placement is written by
``aptrack.placements.services.placement_commission`` (the same service as the API).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from aptrack.accounts import audit
from aptrack.learners.models import Exclusion, Learner
from aptrack.placements import services as placement_services
from aptrack.placements.choices import SESSION_SLOTS, CommissionerKind, Reason, Tier
from aptrack.web import forms as web_forms
from aptrack.web import selectors

from .common import describe_decision, is_la, require_commissioner

SESSION_KEY = "commission"
STEPS = ("learner", "reason", "exclusion", "provider", "site", "tier", "dates", "pattern")
TITLES = {
    "learner": "Which learner is the placement for?",
    "reason": "Why is the placement needed?",
    "exclusion": "Which exclusion is the placement for?",
    "provider": "Which provider will the learner attend?",
    "site": "Which site will the learner attend?",
    "tier": "What kind of placement is it?",
    "dates": "When does the placement start?",
    "pattern": "Which sessions will the learner attend?",
}
#: The answer that shows a question was answered, where it is not named like the question.
STEP_KEY = {"dates": "start"}
#: Where to change an answer that the rules refused (field of the ValidationError -> step).
FIELD_STEP = {"exclusion": "exclusion", "provider": "provider", "site": "site",
              "start_date": "dates", "planned_end_date": "dates", "hours_per_week": "pattern",
              "sessions_pattern": "pattern", "reason": "reason", "tier": "tier",
              "learner": "learner"}


@dataclass
class Answers:
    """The answers so far, loaded from the session and re-checked against the user's scope."""

    state: dict[str, Any]
    learner: Learner | None = None
    exclusion: Exclusion | None = None
    provider: Any = None
    site: Any = None


def _state(request: HttpRequest) -> dict[str, Any]:
    return dict(request.session.get(SESSION_KEY, {}))


def _save(request: HttpRequest, state: dict[str, Any]) -> None:
    request.session[SESSION_KEY] = state


def _load(request: HttpRequest) -> Answers:
    """Each stored answer as the object it names, if the user may still use it."""
    state = _state(request)
    answers = Answers(state=state)
    user = request.user
    try:
        if "learner" in state:
            answers.learner = Learner.objects.for_user(user, "change").get(pk=state["learner"])
        if state.get("exclusion") and answers.learner is not None:
            answers.exclusion = selectors.exclusions_for_reason(
                user, answers.learner, state.get("reason", "")).get(pk=state["exclusion"])
        if "provider" in state:
            answers.provider = selectors.commission_providers(user).get(pk=state["provider"])
        if state.get("site") and answers.provider is not None:
            answers.site = answers.provider.sites.get(pk=state["site"])
    except ObjectDoesNotExist:
        _save(request, {})
        raise Http404("That answer is no longer available: start again.") from None
    return answers


def _applies(step: str, answers: Answers) -> bool:
    state = answers.state
    if step == "exclusion":
        return state.get("reason") in (Reason.PERMANENT_EXCLUSION, Reason.SUSPENSION)
    if step == "site":
        return answers.provider is not None and answers.provider.sites.count() > 1
    return True


def _first_incomplete(answers: Answers) -> str | None:
    for step in STEPS:
        if _applies(step, answers) and STEP_KEY.get(step, step) not in answers.state:
            return step
    return None


def _next_url(answers: Answers) -> str:
    step = _first_incomplete(answers)
    return reverse("web:commission-step", args=[step]) if step else reverse(
        "web:commission-check")


def _back_url(step: str, answers: Answers) -> str:
    earlier = [s for s in STEPS[:STEPS.index(step)] if _applies(s, answers)]
    return reverse("web:commission-step", args=[earlier[-1]]) if earlier else reverse(
        "web:home")


@login_required
def commission_start(request: HttpRequest) -> HttpResponse:
    """Start afresh; from a learner's page the learner is already chosen."""
    require_commissioner(request)
    state: dict[str, Any] = {}
    if request.GET.get("learner", "").isdigit():
        if Learner.objects.for_user(request.user, "change").filter(
                pk=int(request.GET["learner"])).exists():
            state["learner"] = int(request.GET["learner"])
    _save(request, state)
    return redirect(_next_url(_load(request)))


@login_required
@require_http_methods(["GET", "POST"])
def commission_step(request: HttpRequest, step: str) -> HttpResponse:
    require_commissioner(request)
    if step not in STEPS:
        raise Http404("No such question")
    answers = _load(request)
    missing = _first_incomplete(answers)
    if not _applies(step, answers) or (missing is not None and
                                       STEPS.index(missing) < STEPS.index(step)):
        return redirect(_next_url(answers))
    form, extra = _form(request, step, answers)
    if request.method == "POST" and form.is_valid():
        _store(step, form, answers)
        _save(request, answers.state)
        return redirect(_next_url(_load(request)))
    context = {"step": step, "title": TITLES[step], "form": form, "answers": answers,
               "errors": form.error_list() if form.is_bound else [],
               "back": _back_url(step, answers), **extra}
    return render(request, f"web/commission/{step}.html", context)


def _form(request: HttpRequest, step: str, answers: Answers) -> tuple[Any, dict[str, Any]]:
    """The form of a question, bound to the POST or showing the answer given before."""
    data = request.POST if request.method == "POST" else None
    state, user = answers.state, request.user
    if step == "learner":
        q = request.GET.get("q", "").strip()[:100]
        found = list(Learner.objects.for_user(user, "change").filter(
            pk__in=selectors.learner_search(user=user, q=q).values("pk"))[:20]) if q else []
        if answers.learner is not None and answers.learner not in found:
            found.insert(0, answers.learner)
        if data is not None:  # the choice must be one the user may commission for
            found = list(Learner.objects.for_user(user, "change").filter(
                pk=data.get("learner") if str(data.get("learner", "")).isdigit() else None))
        return (web_forms.LearnerChoiceForm(data, learners=found,
                                            initial={"learner": state.get("learner")}),
                {"q": q, "searched": bool(q)})
    if step == "reason":
        reasons = Reason.values if is_la(request) else web_forms.SCHOOL_REASONS
        form = web_forms.ReasonForm(data, reasons=reasons, initial={"reason": state.get("reason")})
        return form, {"hints": form.hints}
    if step == "exclusion":
        exclusions = selectors.exclusions_for_reason(user, answers.learner, state["reason"])
        return (web_forms.ExclusionForm(data, exclusions=exclusions,
                                        initial={"exclusion": state.get("exclusion")}),
                {"reason_label": Reason(state["reason"]).label.lower()})
    if step == "provider":
        return web_forms.ProviderForm(data, providers=selectors.commission_providers(user),
                                      initial={"provider": state.get("provider")}), {}
    if step == "site":
        return web_forms.SiteForm(data, sites=answers.provider.sites.all(),
                                  initial={"site": state.get("site")}), {}
    if step == "tier":
        return web_forms.TierForm(data, initial={"tier": state.get("tier")}), {}
    if step == "dates":
        initial_dates = {k: date.fromisoformat(state[k]) for k in ("start", "planned_end")
                         if state.get(k)}
        return web_forms.DatesForm(data, initial_dates=initial_dates), {}
    pattern = state.get("pattern", "1111111111")
    return web_forms.PatternForm(data, initial={
        "sessions": [s for s, f in zip(SESSION_SLOTS, pattern, strict=True) if f == "1"],
        "hours": state.get("hours", "")}), {}


def _store(step: str, form: Any, answers: Answers) -> None:
    state, data = answers.state, form.cleaned_data
    if step == "learner":
        if state.get("learner") != data["learner"]:
            state.pop("exclusion", None)
        state["learner"] = data["learner"]
    elif step == "reason":
        if state.get("reason") != data["reason"]:
            state.pop("exclusion", None)
        state["reason"] = data["reason"]
        if data["reason"] not in (Reason.PERMANENT_EXCLUSION, Reason.SUSPENSION):
            state["exclusion"] = None
    elif step == "exclusion":
        state["exclusion"] = data["exclusion"]
    elif step == "provider":
        if state.get("provider") != data["provider"]:
            state.pop("site", None)
        state["provider"] = data["provider"]
    elif step == "site":
        state["site"] = data["site"]
    elif step == "tier":
        state["tier"] = data["tier"]
    elif step == "dates":
        state["start"] = form.dates["start"].isoformat()
        end = form.dates.get("planned_end")
        state["planned_end"] = end.isoformat() if end else ""
    elif step == "pattern":
        state["pattern"] = form.pattern()
        state["hours"] = str(data["hours"])


def _site(answers: Answers) -> Any:
    """The chosen site, or the provider's only site."""
    if answers.site is not None:
        return answers.site
    sites = list(answers.provider.sites.all()[:2])
    return sites[0] if len(sites) == 1 else None


def _commissioner(request: HttpRequest) -> dict[str, Any]:
    org = request.user.organisation
    if is_la(request):
        return {"commissioner_kind": CommissionerKind.LOCAL_AUTHORITY, "commissioning_la": org.la}
    return {"commissioner_kind": CommissionerKind.SCHOOL,
            "commissioning_establishment": org.establishment}


def _rules_errors(exc: ValidationError) -> list[tuple[str, str]]:
    """Errors the rules or the service raised, each linking to the question to change."""
    items = []
    for field, messages_ in getattr(exc, "message_dict", {"": exc.messages}).items():
        anchor = ("override_reason" if field == "override_reason" else
                  reverse("web:commission-step", args=[FIELD_STEP.get(field, "reason")]))
        items.extend((anchor, m) for m in messages_)
    return items


@login_required
@require_http_methods(["GET", "POST"])
def commission_check(request: HttpRequest) -> HttpResponse:
    """Check your answers, see what the rules decide, and confirm."""
    require_commissioner(request)
    answers = _load(request)
    if _first_incomplete(answers) is not None:
        return redirect(_next_url(answers))
    state, learner, provider = answers.state, answers.learner, answers.provider
    assert learner is not None and provider is not None  # noqa: S101 - all answered above
    start = date.fromisoformat(state["start"])
    planned_end = date.fromisoformat(state["planned_end"]) if state["planned_end"] else None
    who = _commissioner(request)
    errors: list[tuple[str, str]] = []
    refused: set[str] = set()
    override = request.POST.get("override_reason", "").strip()[:1000]
    decided = None
    try:
        raw = placement_services.decide(
            learner=learner, provider=provider, commissioner_kind=who["commissioner_kind"],
            reason=state["reason"], exclusion=answers.exclusion, on=start)
        decided = describe_decision(decided=raw, provider=provider, home_school=raw["home_school"],
                                    commissioner=who["commissioner_kind"])
    except ValidationError as exc:
        errors = _rules_errors(exc)
    if request.method == "POST" and not errors:
        try:
            placement = placement_services.placement_commission(
                actor=request.user, learner=learner, provider=provider, site=_site(answers),
                reason=state["reason"], tier=int(state["tier"]), start_date=start,
                planned_end_date=planned_end, hours_per_week=Decimal(state["hours"]),
                sessions_pattern=state["pattern"], exclusion=answers.exclusion, **who,
                **({"override_reason": override} if override else {}))
        except ObjectDoesNotExist:
            raise Http404("No such learner") from None
        except ValidationError as exc:
            errors = _rules_errors(exc)
            refused = set(getattr(exc, "message_dict", {}))
        else:
            _save(request, {})
            told = "" if is_la(request) else " Your local authority can see it now."
            messages.success(request, f"Placement referred to {provider}.{told}")
            return redirect("web:placement", pk=placement.pk)
    audit.record(actor=request.user, action="learner.view", obj=learner, learner_id=learner.pk)
    slots = dict(web_forms.SLOT_LABELS)
    context = {
        "answers": answers, "learner": learner, "provider": provider, "site": _site(answers),
        "reason": Reason(state["reason"]).label, "tier": Tier(int(state["tier"])).label,
        "start": start, "planned_end": planned_end, "hours": state["hours"],
        "sessions": [slots[s] for s, f in zip(SESSION_SLOTS, state["pattern"], strict=True)
                     if f == "1"],
        "decided": decided, "errors": errors, "override": override,
        # The provider's checks are not in order: an LA officer may override with a reason.
        "offer_override": is_la(request) and bool(refused & {"provider", "override_reason"}),
        "site_applies": _applies("site", answers),
        "exclusion_applies": _applies("exclusion", answers),
        "exclusion_text": (f"{answers.exclusion.get_category_display()} from "
                           f"{answers.exclusion.school}, first day "
                           f"{answers.exclusion.first_day:%-d %B %Y}" if answers.exclusion
                           else ""),
        "back": reverse("web:commission-step", args=["pattern"]),
    }
    return render(request, "web/commission/check.html", context,
                  status=400 if errors and request.method == "POST" else 200)
