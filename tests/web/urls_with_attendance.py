"""A URL configuration where the attendance app has its registers page (for the navigation
test: the item appears as soon as the URL name resolves)."""

from django.http import HttpResponse
from django.urls import include, path


def registers(request):  # pragma: no cover - only reversed, never requested
    return HttpResponse("registers")


attendance = ([path("registers/", registers, name="registers")], "attendance")
urlpatterns = [
    path("attendance/", include(attendance)),
    path("", include("aptrack.web.urls")),
]
