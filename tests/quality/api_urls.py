"""The quality endpoints mounted as aptrack/api/urls.py mounts them (``register(router)``)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from aptrack.quality.api import register

router = SimpleRouter()
register(router)
urlpatterns = [path("api/v1/", include(router.urls))]
