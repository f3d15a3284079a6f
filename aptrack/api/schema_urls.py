"""The API alone, for generating its OpenAPI document (served and in docs/api/openapi.yaml)."""

from django.urls import include, path

urlpatterns = [path("api/v1/", include("aptrack.api.urls"))]
