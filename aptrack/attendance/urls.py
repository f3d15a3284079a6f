from django.urls import path

from . import views

app_name = "attendance"
urlpatterns = [
    path("", views.index, name="index"),
    path("register/", views.register, name="registers"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("reconcile/", views.reconcile, name="reconcile"),
    path("watch-lists/", views.watch, name="watch"),
    path("imports/", views.import_upload, name="imports"),
    path("imports/<int:pk>/", views.import_status, name="import"),
    path("review/", views.review, name="review"),
    path("learners/<int:pk>/", views.learner_attendance, name="learner"),
]
