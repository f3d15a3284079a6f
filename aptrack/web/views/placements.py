"""A placement's page, its next steps (agree, start, cancel, end) and the referral queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from aptrack.accounts import audit
from aptrack.placements.choices import Status
from aptrack.placements.models import Placement
from aptrack.web import selectors, services
from aptrack.web.forms import EndPlacementForm, VersionForm

from .common import is_la, is_school, may_write, placement_decision, today

#: The actions offered for each status, in the order the buttons appear.
NEXT_STEPS = {Status.REFERRED: ("agree", "start", "cancel"), Status.AGREED: ("start", "cancel"),
              Status.ACTIVE: ("end",)}
ACTION_LABELS = {"agree": "Mark as agreed", "start": "Record that the learner started",
                 "cancel": "Cancel the placement", "end": "End the placement"}
DONE = {"agree": "The placement was marked as agreed.", "start": "The placement has started.",
        "cancel": "The placement was cancelled.", "end": "The placement has ended."}


def _placement(request: HttpRequest, pk: int) -> Placement:
    try:
        placement = selectors.placement_get(user=request.user, pk=pk)
    except Placement.DoesNotExist:
        audit.denied(request, object_type="placement", object_id=pk)
        raise Http404("No such placement") from None
    return placement


@login_required
def placement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A placement with what the rules decided and the next steps; the read is audited."""
    placement = _placement(request, pk)
    audit.record(actor=request.user, action="placement.view", obj=placement,
                 learner_id=placement.learner_id)
    steps = [(a, ACTION_LABELS[a]) for a in NEXT_STEPS.get(placement.status, ())]
    return render(request, "web/placement.html", {
        "placement": placement, "decided": placement_decision(placement),
        "steps": steps if may_write(request) else [],
        "show_exclusion": is_la(request) or is_school(request),
        "quality": selectors.placement_quality(request.user, placement),
        "may_change_quality": (is_la(request) or is_school(request)) and may_write(request),
    })


@login_required
@require_http_methods(["GET", "POST"])
def placement_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Agree, start or cancel; refused if the placement changed since the page was opened.
    Cancelling cannot be undone, so it asks first (a GET shows the question)."""
    placement = _placement(request, pk)
    if action not in ("agree", "start", "cancel") or not may_write(request):
        raise Http404("No such action")
    if request.method == "GET":
        if action != "cancel" or placement.status not in NEXT_STEPS or "cancel" not in (
                NEXT_STEPS[placement.status]):
            raise Http404("No such page")
        return render(request, "web/placement_cancel.html", {"placement": placement})
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The page was out of date: try again.")
        return redirect("web:placement", pk=pk)
    try:
        services.placement_act(actor=request.user, placement=placement,
                               version=form.cleaned_data["version"], action=action)
    except Placement.DoesNotExist:
        raise Http404("No such placement") from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("web:placement", pk=pk)
    messages.success(request, DONE[action])
    return redirect("web:placement", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def placement_end(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the end of an active placement: the date, why, and where the learner went next."""
    placement = _placement(request, pk)
    if not may_write(request) or placement.status != Status.ACTIVE:
        raise Http404("No such page")
    stale = ""
    if request.method == "POST":
        form = EndPlacementForm(request.POST)
        if form.is_valid():
            try:
                services.placement_act(
                    actor=request.user, placement=placement,
                    version=form.cleaned_data["version"], action="end",
                    end_date=form.dates["end"], end_reason=form.cleaned_data["end_reason"],
                    destination=form.cleaned_data["destination"])
            except Placement.DoesNotExist:
                raise Http404("No such placement") from None
            except ValidationError as exc:
                if getattr(exc, "code", None) == "stale":
                    stale = exc.messages[0]
                    form = EndPlacementForm(initial={"version": _fresh_version(pk)})
                else:
                    for field, errors in getattr(exc, "message_dict", {"": exc.messages}).items():
                        code = "date:end" if field == "end_date" else None
                        for message in errors:
                            form.add_error(None, ValidationError(message, code=code))
            else:
                messages.success(request, DONE["end"])
                return redirect("web:placement", pk=pk)
    else:
        form = EndPlacementForm(initial={"version": placement.version},
                                initial_dates={"end": today()})
    audit.record(actor=request.user, action="placement.view", obj=placement,
                 learner_id=placement.learner_id)
    return render(request, "web/placement_end.html",
                  {"placement": placement, "form": form, "stale": stale},
                  status=409 if stale else 200)


def _fresh_version(pk: int) -> int:
    return Placement.objects.values_list("version", flat=True).get(pk=pk)


@login_required
def referrals(request: HttpRequest) -> HttpResponse:
    """Placements referred or agreed that have not started, soonest first."""
    if not (is_la(request) or is_school(request)):
        raise Http404("No such page")
    return render(request, "web/referrals.html", {
        "queue": selectors.referral_queue(request.user), "on": today(),
        "may_commission": may_write(request)})
