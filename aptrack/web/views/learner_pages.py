"""The learner page (a timeline of roll, exclusions and placements) and changing details."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from aptrack.attendance import selectors as attendance_selectors
from aptrack.learners import selectors as learner_selectors
from aptrack.learners import services as learner_services
from aptrack.learners.models import Enrolment, Exclusion, Learner
from aptrack.placements.models import Placement
from aptrack.rules.calendar import school_year_of
from aptrack.web import selectors
from aptrack.web.forms import LearnerDetailsForm

from .common import audited_learner, is_provider, may_write, placement_decision, today


@login_required
def learner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One learner's record; out of the user's scope it does not exist (404). Every view is
    written to the audit trail."""
    learner = audited_learner(request, pk)
    user = request.user
    on = today()
    placements = list(Placement.objects.for_user(user).filter(learner=learner).select_related(
        "provider", "site", "home_school"))
    for p in placements:
        p.decided = placement_decision(p)
    context = {
        "learner": learner,
        "timeline": selectors.learner_timeline(user, learner),
        "enrolments": Enrolment.objects.for_user(user).filter(learner=learner)
        .select_related("establishment"),
        "exclusions": Exclusion.objects.for_user(user).filter(learner=learner)
        .select_related("school"),
        "show_exclusions": not is_provider(request),
        "placements": placements,
        "may_write": may_write(request),
        "needs": selectors.needs_summary(learner),
        "attendance_weeks": attendance_selectors.heatmap(actor=user, learner=learner,
                                                         start=on - timedelta(weeks=6), end=on),
        "attendance_summary": attendance_selectors.attendance_summary(
            actor=user, learner=learner, start=date(school_year_of(on), 9, 1), end=on),
        "quality": selectors.learner_quality(user, learner),
    }
    return render(request, "web/learner.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def learner_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a learner's details. The form carries the version the user saw: if someone else
    saved first, the change is refused and their values are shown."""
    if not may_write(request):  # refused before the read: no learner.view row for a refusal
        raise Http404("No such page")
    learner = audited_learner(request, pk)
    if not Learner.objects.for_user(request.user, "change").filter(pk=pk).exists():
        raise Http404("No such page")
    initial = {"version": learner.version, "given_name": learner.given_name,
               "family_name": learner.family_name, "upn": learner.upn or "",
               "sen_provision": learner.sen_provision, "primary_need": learner.primary_need,
               "looked_after": learner.looked_after}
    dates = {"date_of_birth": learner.date_of_birth}
    if request.method == "POST":
        form = LearnerDetailsForm(request.POST, initial=initial, initial_dates=dates)
        if form.is_valid():
            data = form.cleaned_data
            try:
                learner_services.learner_update(
                    actor=request.user, learner=learner, version=data["version"],
                    given_name=data["given_name"], family_name=data["family_name"],
                    upn=data["upn"].strip().upper() or None,
                    date_of_birth=form.dates["date_of_birth"],
                    sen_provision=data["sen_provision"], primary_need=data["primary_need"],
                    looked_after=data["looked_after"])
            except ValidationError as exc:
                if getattr(exc, "code", None) == "stale":
                    fresh = learner_selectors.learner_get(user=request.user, pk=pk)
                    return _stale(request, fresh, exc)
                _add_model_errors(form, exc)
            else:
                messages.success(request, f"{learner.full_name}'s details were saved.")
                return redirect("web:learner", pk=pk)
    else:
        form = LearnerDetailsForm(initial=initial, initial_dates=dates)
    return render(request, "web/learner_change.html", {"learner": learner, "form": form})


def _stale(request: HttpRequest, fresh: Learner, exc: ValidationError) -> HttpResponse:
    form = LearnerDetailsForm(initial={
        "version": fresh.version, "given_name": fresh.given_name,
        "family_name": fresh.family_name, "upn": fresh.upn or "",
        "sen_provision": fresh.sen_provision, "primary_need": fresh.primary_need,
        "looked_after": fresh.looked_after}, initial_dates={"date_of_birth": fresh.date_of_birth})
    return render(request, "web/learner_change.html", {
        "learner": fresh, "form": form, "stale": exc.messages[0]}, status=409)


def _add_model_errors(form: LearnerDetailsForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            if field == "date_of_birth":
                for message in errors:
                    form.add_error(None, ValidationError(message, code="date:date_of_birth"))
                continue
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)
