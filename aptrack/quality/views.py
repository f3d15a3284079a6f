"""Pages of placement quality and safeguarding. Thin: parse the request with a form, call a
selector or a service, render. Records outside the user's scope are 404 (never confirmed);
pages a role may not use are 403. Reads of a learner's record are audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from aptrack.accounts import audit, scopes
from aptrack.learners.models import Learner
from aptrack.placements.choices import EndReason, Status
from aptrack.placements.models import Placement

from . import forms, gate, pdf, selectors, services
from .choices import CheckKind
from .models import (
    CheckOverride,
    EvidenceFile,
    LiaisonEntry,
    PlacementOutcome,
    ProviderCheck,
    ProviderStatusDecision,
    post16_commissioner,
)

View = Callable[..., HttpResponse]


def _roles(allowed: set[str]) -> Callable[[View], View]:
    """Only these roles may use the page (403 otherwise); superusers always may."""
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not (request.user.is_superuser or getattr(request.user, "role", "") in allowed):
                raise PermissionDenied("Your role cannot use this page.")
            return view(request, *args, **kwargs)
        return login_required(wrapper)
    return decorator


COMMISSIONERS = scopes.LA_ROLES | scopes.SCHOOL_ROLES
EVERYONE = COMMISSIONERS | scopes.PROVIDER_ROLES


def _checkers() -> set[str]:
    """Who records provider checks: commissioners, and post-16 providers that commission AP."""
    return COMMISSIONERS | set(settings.QUALITY["POST16_COMMISSIONER_ROLES"])


def _checkers_only(view: View) -> View:
    """Only roles that record provider checks may use the page (403 otherwise)."""
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _roles(_checkers())(view)(request, *args, **kwargs)
    return wrapper


def _apply_errors(form: Any, error: ValidationError) -> None:
    """Show a service's refusal on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _placement(request: HttpRequest, pk: int, action: str = scopes.VIEW) -> Placement:
    try:
        return selectors.placement_get(user=request.user, pk=pk, action=action)
    except Placement.DoesNotExist:
        audit.denied(request, object_type="placement", object_id=pk)
        raise Http404("No such placement") from None


def _provider(request: HttpRequest, pk: int) -> Any:
    provider = selectors.providers(user=request.user).filter(pk=pk).first()
    if provider is None:
        raise Http404("No such provider")
    return provider


def _form_page(request: HttpRequest, form: Any, **context: Any) -> HttpResponse:
    return render(request, "quality/form.html", {"form": form, **context},
                  status=400 if form.is_bound and form.errors else 200)


# ---- 1. providers and their checks ----------------------------------------------------------


@_roles(EVERYONE)
def providers(request: HttpRequest) -> HttpResponse:
    """Providers with this organisation's critical checks at a glance."""
    user = request.user
    if getattr(user, "role", "") in scopes.PROVIDER_ROLES and not post16_commissioner(user):
        return redirect("quality:provider", pk=user.organisation.establishment_id)
    commissioner = selectors.commissioner_of(user)
    rows = []
    for provider in selectors.providers(user=user):
        found = gate.problems(provider=provider, **commissioner) if commissioner else []
        rows.append({"provider": provider, "problems": found})
    return render(request, "quality/providers.html",
                  {"rows": rows, "alerts": selectors.alerts(user=user).filter(status="open")})


@_roles(EVERYONE)
def provider(request: HttpRequest, pk: int) -> HttpResponse:
    """A provider's checklist and status, its sites, and alerts about it."""
    user = request.user
    establishment = _provider(request, pk)
    commissioner = selectors.commissioner_of(user)
    context: dict[str, Any] = {"provider": establishment,
                               "sites": establishment.sites.all(),
                               "is_la": getattr(user, "role", "") in scopes.LA_ROLES}
    if commissioner:
        context["checklist"] = selectors.checklist(user=user, provider=establishment,
                                                   commissioner=commissioner)
        context["problems"] = gate.problems(provider=establishment, **commissioner)
        context["commissioner"] = (commissioner.get("commissioning_la")
                                   or commissioner.get("commissioning_establishment"))
    else:
        context["checks_received"] = (ProviderCheck.objects.for_user(user)
                                      .filter(provider=establishment)
                                      .select_related("commissioning_la",
                                                      "commissioning_establishment"))
    la = getattr(getattr(user, "organisation", None), "la", None) or (
        establishment.la if not commissioner else None)
    context["statuses"] = ProviderStatusDecision.objects.filter(
        provider=establishment, **({"la": la} if la else {})).select_related("la")[:10]
    context["alerts"] = selectors.alerts(user=user).filter(provider=establishment)
    placements = (Placement.objects.for_user(user).filter(provider=establishment)
                  .filter(status__in=[Status.AGREED, Status.ACTIVE])
                  .select_related("provider", "learner"))
    context["warnings"] = [(p, w) for p in placements for w in
                           services.national_limit_warnings(p)]
    return render(request, "quality/provider.html", context)


@_checkers_only
@require_http_methods(["GET", "POST"])
def check_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a check of a provider (with an evidence file) for the user's own organisation:
    an LA, a commissioning school or a commissioning post-16 provider."""
    establishment = _provider(request, pk)
    form = forms.CheckForm(request.POST or None, request.FILES or None,
                           initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.check_record(
                actor=request.user, provider=establishment, kind=d["kind"],
                outcome=d["outcome"], checked_on=d["checked_on"], expires_on=d["expires_on"],
                notes=d["notes"], files=[d["evidence"]] if d["evidence"] else [])
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"Check recorded: {CheckKind(d['kind']).label}")
            return redirect("quality:provider", pk=pk)
    return _form_page(request, form, title="Record a check", caption=str(establishment),
                      submit="Save check", back=reverse("quality:provider", args=[pk]))


@login_required
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    """Serve an evidence file to a user who may see its check; audited. Never from the web
    root: the file lives under a random name in a private directory."""
    item = None
    user = request.user
    if getattr(user, "role", "") not in scopes.PROVIDER_ROLES:  # commissioners' records
        item = EvidenceFile.objects.filter(
            pk=pk, check_record__in=ProviderCheck.objects.for_user(user)).first()
    elif post16_commissioner(user):  # a post-16 commissioner: its own checks and its LA's
        own = ProviderCheck.objects.for_user(user).filter(
            Q(commissioning_establishment_id=user.organisation.establishment_id)
            | Q(commissioning_la__isnull=False))
        item = EvidenceFile.objects.filter(pk=pk, check_record__in=own).first()
    if item is None:
        audit.denied(request, object_type="evidencefile", object_id=pk)
        raise Http404("No such file")
    path = services.evidence_dir() / item.stored_name
    if not path.is_file():
        raise Http404("The file is missing")
    audit.record(actor=request.user, action="evidence.view", obj=item)
    response = FileResponse(path.open("rb"), as_attachment=True, filename=item.original_name,
                            content_type=item.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@_roles(scopes.LA_ROLES)
@require_http_methods(["GET", "POST"])
def status_set(request: HttpRequest, pk: int) -> HttpResponse:
    """An LA officer sets the provider's status with reasons."""
    establishment = _provider(request, pk)
    form = forms.StatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_status_set(actor=request.user, provider=establishment,
                                         **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Provider status saved")
            return redirect("quality:provider", pk=pk)
    return _form_page(request, form, title="Set the provider's status", caption=str(establishment),
                      back=reverse("quality:provider", args=[pk]))


@_roles(scopes.LA_ROLES)
def alerts(request: HttpRequest) -> HttpResponse:
    """Registration alerts: unregistered providers that must register, with the learners that
    tip them over."""
    visible = set(Placement.objects.for_user(request.user).values_list("pk", flat=True))
    rows = []
    for alert in selectors.alerts(user=request.user):
        tipping = list(alert.tipping_placements.all())
        shown = [p for p in tipping if p.pk in visible]
        rows.append({"alert": alert, "placements": shown, "hidden": len(tipping) - len(shown)})
    return render(request, "quality/alerts.html", {"rows": rows})


# ---- 4-5. a placement's agreement, notice, reviews ------------------------------------------


@_roles(EVERYONE)
def placement(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about a placement's quality: agreement, notice, reviews, outcome."""
    p = _placement(request, pk)
    audit.record(actor=request.user, action="placement_quality.view", obj=p,
                 learner_id=p.learner_id)
    may_change = Placement.objects.for_user(request.user, scopes.CHANGE).filter(pk=pk).exists()
    agreement = getattr(p, "agreement", None)
    registers = selectors.placements_attendance(
        user=request.user, placements=Placement.objects.filter(pk=p.pk)).get(p.pk)
    return render(request, "quality/placement.html", {
        "registers": registers,
        "placement": p, "agreement": agreement,
        "objectives": agreement.objectives.all() if agreement else [],
        "notice": getattr(p, "off_site_notice", None),
        "reviews": p.reviews.prefetch_related("progress__objective"),
        "requests": p.review_requests.all(),
        "outcome": getattr(p, "outcome", None),
        "overrides": CheckOverride.objects.filter(placement=p).select_related("overridden_by"),
        "warnings": services.national_limit_warnings(p),
        "next_review": _next_review(p) if p.status == Status.ACTIVE else None,
        "may_change": may_change, "is_direction": p.reason == "off_site_direction",
    })


def _next_review(p: Placement) -> Any:
    """The date the last review set, else the end of the half term after the last review (or
    the start) on the commissioner's calendar."""
    last = p.reviews.order_by("-held_on", "-pk").first()
    if last is not None and last.next_review_on:
        return last.next_review_on
    return services.next_review_due(p, last.held_on if last else p.start_date,
                                    after_review=last is not None)


@_roles(COMMISSIONERS)
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    p = _placement(request, pk, scopes.CHANGE)
    agreement = getattr(p, "agreement", None)
    objectives = list(agreement.objectives.all()) if agreement else []
    initial = ({f: getattr(agreement, f) for f in (
        "intervention", "reintegration_plan", "reintegration_by", "maximum_weeks",
        "reporting_arrangements", "learner_views", "parent_views", "agreed_on")}
        if agreement else {})
    form = forms.AgreementForm(request.POST or None, initial=initial, objectives=objectives)
    if request.method == "POST" and form.is_valid():
        d = {k: v for k, v in form.cleaned_data.items() if not k.startswith("objective_")}
        try:
            services.agreement_save(actor=request.user, placement=p,
                                    objectives=form.objectives(),
                                    version=agreement.version if agreement else None, **d)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Placement agreement saved")
            return redirect("quality:placement", pk=pk)
    return _form_page(request, form, title="Placement agreement",
                      caption=f"{p.learner.full_name} at {p.provider}",
                      back=reverse("quality:placement", args=[pk]))


@_roles(COMMISSIONERS)
@require_http_methods(["GET", "POST"])
def notice_new(request: HttpRequest, pk: int) -> HttpResponse:
    p = _placement(request, pk, scopes.CHANGE)
    form = forms.NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.off_site_notice_record(actor=request.user, placement=p,
                                            **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Notice recorded: download it to send to the parent")
            return redirect("quality:placement", pk=pk)
    return _form_page(request, form, title="Notice of an off-site direction",
                      caption=f"{p.learner.full_name} at {p.provider}",
                      intro=f"The notice must reach the parent at least 2 school days before "
                            f"the first day, {p.start_date:%A %-d %B %Y}, counted on the "
                            "school's own calendar.",
                      back=reverse("quality:placement", args=[pk]))


@_roles(EVERYONE)
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    p = _placement(request, pk)
    notice = getattr(p, "off_site_notice", None)
    if notice is None:
        raise Http404("No notice recorded")
    audit.record(actor=request.user, action="off_site_notice.download", obj=notice,
                 learner_id=p.learner_id)
    response = HttpResponse(pdf.off_site_notice(notice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="off-site-notice-{p.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@_roles(COMMISSIONERS)
@require_http_methods(["GET", "POST"])
def review_request_new(request: HttpRequest, pk: int) -> HttpResponse:
    p = _placement(request, pk, scopes.CHANGE)
    form = forms.ReviewRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.review_request_record(actor=request.user, placement=p,
                                                  **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "A review meeting must be held" if made.must_hold else
                             "No review is required: one was held in the previous 10 weeks")
            return redirect("quality:placement", pk=pk)
    return _form_page(request, form, title="Request for a review",
                      caption=f"{p.learner.full_name} at {p.provider}",
                      back=reverse("quality:placement", args=[pk]))


@_roles(COMMISSIONERS)
@require_http_methods(["GET", "POST"])
def review_new(request: HttpRequest, pk: int) -> HttpResponse:
    p = _placement(request, pk, scopes.CHANGE)
    agreement = getattr(p, "agreement", None)
    objectives = list(agreement.objectives.all()) if agreement else []
    form = forms.ReviewForm(request.POST or None, objectives=objectives)
    if request.method == "POST" and form.is_valid():
        d = {k: v for k, v in form.cleaned_data.items() if not k.startswith("progress_")}
        try:
            services.review_record(actor=request.user, placement=p, progress=form.progress(),
                                   **d)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Review recorded")
            return redirect("quality:placement", pk=pk)
    # The register figure for the review date entered (today until one is entered).
    held_on = getattr(form, "cleaned_data", {}).get("held_on") or date.today()
    start, end = selectors.review_period(p, held_on)
    registers = selectors.register_attendance(user=request.user, placement=p, start=start,
                                              end=end)
    return _form_page(request, form, title="Record a review",
                      caption=f"{p.learner.full_name} at {p.provider}",
                      registers=registers, registers_setting=p.provider,
                      back=reverse("quality:placement", args=[pk]))


@_roles(EVERYONE)
def reviews(request: HttpRequest) -> HttpResponse:
    """Reviews due soon and overdue, on each commissioner's calendar."""
    rows = selectors.reviews_due(user=request.user)
    return render(request, "quality/reviews.html",
                  {"overdue": [r for r in rows if r.overdue],
                   "due": [r for r in rows if not r.overdue]})


# ---- 6. liaison ---------------------------------------------------------------------------


def _learner(request: HttpRequest, pk: int) -> Learner:
    try:
        return Learner.objects.for_user(request.user).get(pk=pk)
    except Learner.DoesNotExist:
        audit.denied(request, object_type="learner", object_id=pk)
        raise Http404("No such learner") from None


@_roles(EVERYONE)
@require_http_methods(["GET", "POST"])
def liaison(request: HttpRequest, pk: int) -> HttpResponse:
    """A learner's liaison chronology, and a form to add an entry (append-only)."""
    learner = _learner(request, pk)
    in_scope = list(Placement.objects.for_user(request.user).filter(learner=learner)
                    .select_related("provider"))
    corrects = None
    if request.GET.get("corrects") or request.POST.get("corrects"):
        corrects = LiaisonEntry.objects.for_user(request.user).filter(
            pk=request.GET.get("corrects") or request.POST.get("corrects"),
            placement__learner=learner).first()
        if corrects is None:
            raise Http404("No such entry")
    initial = ({"placement": corrects.placement_id, "kind": corrects.kind,
                "occurred_on": corrects.occurred_on, "with_whom": corrects.with_whom,
                "summary": corrects.summary, "safeguarding": corrects.safeguarding}
               if corrects else {})
    form = forms.LiaisonForm(request.POST or None, placements=in_scope, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        chosen = next(p for p in in_scope if p.pk == d.pop("placement"))
        try:
            services.liaison_record(actor=request.user, placement=chosen, corrects=corrects,
                                    **d)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Liaison record added")
            return redirect("quality:liaison", pk=pk)
    if request.method == "GET":
        audit.record(actor=request.user, action="liaison.view", obj=learner,
                     learner_id=learner.pk)
    return render(request, "quality/liaison.html", {
        "learner": learner, "entries": selectors.liaison_for_learner(user=request.user,
                                                                     learner_id=learner.pk),
        "form": form, "corrects": corrects, "placements": in_scope,
    }, status=400 if form.is_bound and form.errors else 200)


# ---- 7. outcomes --------------------------------------------------------------------------


@_roles(COMMISSIONERS)
def outcomes(request: HttpRequest) -> HttpResponse:
    user = request.user
    recorded = list(selectors.outcomes(user=user)[:200])
    registers = selectors.placements_attendance(
        user=user, placements=Placement.objects.filter(pk__in=[o.placement_id for o in recorded]))
    for outcome in recorded:
        outcome.registers = registers.get(outcome.placement_id)
    return render(request, "quality/outcomes.html", {
        "missing": selectors.ended_without_outcome(user=user)[:100],
        "follow_ups": selectors.follow_ups_due(user=user),
        "outcomes": recorded,
    })


@_roles(COMMISSIONERS)
def outcomes_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Every outcome the user may see as CSV or XLSX: destination (code, label, details),
    attendance at the provider from the registers and the six-month follow-up; audited."""
    from aptrack.exchange.spreadsheets import FORMATS, export

    if fmt not in FORMATS:
        raise Http404("No such format")
    rows = list(selectors.outcomes(user=request.user).select_related(
        "destination_establishment", "placement__commissioning_la",
        "placement__commissioning_establishment"))
    registers = selectors.placements_attendance(
        user=request.user,
        placements=Placement.objects.filter(pk__in=[o.placement_id for o in rows]))
    return export(user=request.user, name="outcomes", fmt=fmt,
                  columns=selectors.outcome_columns(registers), rows=rows,
                  learner_ids=sorted({o.placement.learner_id for o in rows}))


@_roles(COMMISSIONERS)
@require_http_methods(["GET", "POST"])
def outcome_new(request: HttpRequest, pk: int) -> HttpResponse:
    p = _placement(request, pk, scopes.CHANGE)
    form = forms.OutcomeForm(request.POST or None, end_reasons=EndReason.choices)
    if request.method == "POST" and form.is_valid():
        try:
            services.outcome_record(actor=request.user, placement=p, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Outcome recorded")
            return redirect("quality:placement", pk=pk)
    return _form_page(request, form, title="Outcome and destination",
                      caption=f"{p.learner.full_name} at {p.provider}",
                      back=reverse("quality:placement", args=[pk]))


@_roles(COMMISSIONERS)
@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    outcome = PlacementOutcome.objects.for_user(request.user, scopes.CHANGE).filter(
        pk=pk).select_related("placement__learner").first()
    if outcome is None:
        raise Http404("No such outcome")
    form = forms.FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_record(actor=request.user, outcome=outcome, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Follow-up recorded")
            return redirect("quality:outcomes")
    return _form_page(request, form, title="Six-month follow-up",
                      caption=outcome.placement.learner.full_name,
                      intro=f"Went to: {outcome.get_destination_display()} on "
                            f"{outcome.placement.end_date:%-d %B %Y}.",
                      back=reverse("quality:outcomes"))


# ---- 8. performance framework --------------------------------------------------------------


@_roles(COMMISSIONERS)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The AP performance framework measures over the placements the user may see."""
    from . import performance

    return render(request, "quality/dashboard.html",
                  performance.framework(user=request.user, group=request.GET.get("by",
                                                                                 "provider")))
