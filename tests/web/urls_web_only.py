"""A URL configuration with the web pages only (no other app's pages yet)."""

from django.urls import include, path

urlpatterns = [path("", include("aptrack.web.urls"))]
