"""URL configuration of AP Track."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "AP Track administration"
admin.site.site_title = "AP Track administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("account/tokens/", include("aptrack.api.account_urls")),
    path("account/", include("aptrack.accounts.urls")),
    path("api/v1/", include("aptrack.api.urls")),
    path("attendance/", include("aptrack.attendance.urls")),
    path("quality/", include("aptrack.quality.urls")),
    path("exchange/", include("aptrack.exchange.urls")),
    path("sufficiency/", include("aptrack.sufficiency.urls")),
    path("", include("aptrack.web.urls")),
]
