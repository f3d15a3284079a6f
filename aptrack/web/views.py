"""Web pages. Thin: parse the request, call a selector, render; reads are scoped and audited."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from aptrack.accounts import audit
from aptrack.learners import selectors as learner_selectors
from aptrack.learners.models import Enrolment, Exclusion, Learner
from aptrack.placements.models import Placement


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The learners the signed-in user may see, searchable by name or UPN."""
    q = request.GET.get("q", "")
    paginator = Paginator(learner_selectors.learner_list(user=request.user, search=q), 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "web/home.html", {"page": page, "q": q})


@login_required
def learner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One learner's record; out of the user's scope it does not exist (404). Every view is
    written to the audit trail."""
    try:
        learner = learner_selectors.learner_get(user=request.user, pk=pk)
    except Learner.DoesNotExist:
        audit.record(actor=request.user, action="learner.view_denied", object_type="learner",
                     object_id=str(pk))
        raise Http404("No such learner") from None
    audit.record(actor=request.user, action="learner.view", obj=learner, learner_id=learner.pk)
    exclusions = Exclusion.objects.for_user(request.user).filter(learner=learner)
    context = {
        "learner": learner,
        "enrolments": Enrolment.objects.for_user(request.user).filter(learner=learner)
        .select_related("establishment"),
        "exclusions": exclusions.select_related("school"),
        "show_exclusions": not getattr(request.user, "is_provider", False),
        "placements": Placement.objects.for_user(request.user).filter(learner=learner)
        .select_related("provider"),
    }
    return render(request, "web/learner.html", context)
