"""URL configuration of AP Track."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "AP Track administration"
admin.site.site_title = "AP Track administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("aptrack.web.urls")),
]
