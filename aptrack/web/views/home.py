"""Each role's home page, and finding a learner by name or UPN."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aptrack.attendance.selectors import today_overview
from aptrack.web import selectors
from aptrack.web.forms import SearchForm

from .common import is_la, is_provider, is_school, today


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What the signed-in person needs first: the LA's dashboard of what needs action today,
    a school's learners in AP, or a provider's learners."""
    if is_la(request):
        return dashboard(request)
    if is_school(request):
        return school_home(request)
    if is_provider(request):
        return provider_home(request)
    return learners(request)


def dashboard(request: HttpRequest) -> HttpResponse:
    on = today()
    user = request.user
    counts = selectors.placement_counts(user, on)
    reviews = selectors.reviews_due(user, on)
    context = {
        "on": on,
        "clock": selectors.provision_clock(user, on),
        "queue": selectors.referral_queue(user)[:10],
        "queue_count": selectors.referral_queue(user).count(),
        "must_register": selectors.providers_that_must_register(user, on),
        "check_problems": selectors.providers_with_check_problems(user, on),
        "reviews_due": reviews,
        "reviews_overdue": sum(1 for r in reviews if r.overdue),
        "reviews_soon": sum(1 for r in reviews if not r.overdue),
        "review_window": settings.QUALITY["REVIEW_DUE_SOON_DAYS"],
        "school_commissioned": selectors.school_commissioned_recently(user, on),
        "counts": counts,
        "charts": [(title, key, rows, max([n for _, n in rows] or [0]))
                   for title, key, rows in (
                       ("Placements by reason", "reason", counts["reason"]),
                       ("Placements by tier", "tier", counts["tier"]),
                       ("Placements by provider", "provider", counts["provider"]))],
        "active_total": sum(n for _, n in counts["reason"]),
        "attendance": today_overview(actor=user),
    }
    return render(request, "web/dashboard.html", context)


def school_home(request: HttpRequest) -> HttpResponse:
    on = today()
    context = {
        "on": on,
        "in_ap": selectors.current_placements(request.user, on),
        "clock": selectors.provision_clock(request.user, on),
        "queue": selectors.referral_queue(request.user),
    }
    return render(request, "web/school_home.html", context)


def provider_home(request: HttpRequest) -> HttpResponse:
    on = today()
    rows = selectors.current_placements(request.user, on)
    for row in rows:
        row["needs"] = selectors.needs_summary(row["placement"].learner)
    context = {"on": on, "rows": rows, "incoming": selectors.referral_queue(request.user)}
    return render(request, "web/provider_home.html", context)


@login_required
def learners(request: HttpRequest) -> HttpResponse:
    """The learners the signed-in user may see, searchable by name or UPN."""
    form = SearchForm(request.GET)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    paginator = Paginator(selectors.learner_search(user=request.user, q=q), 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "web/learners.html", {"page": page, "q": q, "form": form})
