"""The project's URLs plus the token account page at account/tokens/ (as the lead includes it
in aptrack/urls.py)."""

from django.urls import include, path

from aptrack.urls import urlpatterns as project

urlpatterns = [
    path("account/tokens/", include("aptrack.api.account_urls")),
    *project,
]
