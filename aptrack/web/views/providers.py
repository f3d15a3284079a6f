"""The provider directory and a provider's page (places, learners now, registration test)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from aptrack.directory.choices import EstablishmentKind
from aptrack.directory.models import Establishment
from aptrack.web import selectors

from .common import is_la, is_provider, today


@login_required
def providers(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in EstablishmentKind.values:
        kind = ""
    return render(request, "web/providers.html", {
        "providers": selectors.provider_directory(request.user, kind=kind),
        "kinds": EstablishmentKind.choices, "kind": kind})


@login_required
def provider_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        provider = selectors.provider_get(user=request.user, pk=pk)
    except Establishment.DoesNotExist:
        raise Http404("No such provider") from None
    on = today()
    own = is_provider(request) and request.user.organisation.establishment_id == provider.pk
    learners_now = selectors.placements_for(request.user).current(on).filter(provider=provider)
    return render(request, "web/provider.html", {
        "provider": provider, "sites": provider.sites.all(),
        "learners_now": learners_now.order_by("learner__family_name", "learner__given_name"),
        "registration": selectors.registration_test(provider, on)
        if (is_la(request) or own) else None,
        "calendar": provider.school_calendar(),
        "quality": selectors.provider_quality(request.user, provider, on),
    })
