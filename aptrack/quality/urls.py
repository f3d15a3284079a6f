from django.urls import path

from . import views

app_name = "quality"
urlpatterns = [
    path("", views.providers, name="providers"),
    path("providers/", views.providers, name="provider-list"),
    path("providers/<int:pk>/", views.provider, name="provider"),
    path("providers/<int:pk>/checks/new/", views.check_new, name="check-new"),
    path("providers/<int:pk>/status/", views.status_set, name="status"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("alerts/", views.alerts, name="alerts"),
    path("placements/<int:pk>/", views.placement, name="placement"),
    path("placements/<int:pk>/agreement/", views.agreement_edit, name="agreement"),
    path("placements/<int:pk>/notice/", views.notice_new, name="notice"),
    path("placements/<int:pk>/notice.pdf", views.notice_pdf, name="notice-pdf"),
    path("placements/<int:pk>/review-request/", views.review_request_new,
         name="review-request"),
    path("placements/<int:pk>/reviews/new/", views.review_new, name="review-new"),
    path("placements/<int:pk>/outcome/", views.outcome_new, name="outcome"),
    path("outcomes/<int:pk>/follow-up/", views.follow_up, name="follow-up"),
    path("reviews/", views.reviews, name="reviews"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("outcomes/export.<str:fmt>", views.outcomes_export, name="outcomes-export"),
    path("learners/<int:pk>/liaison/", views.liaison, name="liaison"),
    path("performance/", views.dashboard, name="dashboard"),
]
