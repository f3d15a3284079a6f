"""The REST API under /api/v1/ (see docs/api/README.md and GET /api/v1/schema/)."""

from django.urls import include, path
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from aptrack.quality import api as quality_api

from . import attendance_views, views

app_name = "api"

router = SimpleRouter()
router.register("establishments", views.EstablishmentViewSet, basename="establishment")
router.register("sites", views.SiteViewSet, basename="site")
router.register("learners", views.LearnerViewSet, basename="learner")
router.register("enrolments", views.EnrolmentViewSet, basename="enrolment")
router.register("exclusions", views.ExclusionViewSet, basename="exclusion")
router.register("placements", views.PlacementViewSet, basename="placement")
router.register("attendance/marks", attendance_views.MarkViewSet, basename="mark")
router.register("attendance/alerts", attendance_views.AlertViewSet, basename="alert")
router.register("webhooks", views.WebhookViewSet, basename="webhook")
quality_api.register(router)  # provider checks, reviews, liaison, outcomes: /api/v1/quality/...


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 document of the whole API: JSON by default, YAML with ?format=yaml."""

    renderer_classes = [OpenApiJsonRenderer, OpenApiYamlRenderer]
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []


urlpatterns = [
    path("schema/", SchemaView.as_view(urlconf="aptrack.api.schema_urls"), name="schema"),
    path("", include(router.urls)),
]
