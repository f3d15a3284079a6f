"""The API token page, included by the project at ``account/tokens/``."""

from django.urls import path

from . import account_views

app_name = "api-account"
urlpatterns = [
    path("", account_views.token_list, name="tokens"),
    path("<int:pk>/revoke/", account_views.token_revoke, name="revoke"),
]
