from django.urls import path

from aptrack.accounts import views as account_views

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", account_views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", account_views.SignOutView.as_view(), name="sign-out"),
    path("learners/", views.learners, name="learners"),
    path("learners/<int:pk>/", views.learner_detail, name="learner"),
    path("learners/<int:pk>/change/", views.learner_change, name="learner-change"),
    path("referrals/", views.referrals, name="referrals"),
    path("placements/<int:pk>/", views.placement_detail, name="placement"),
    path("placements/<int:pk>/end/", views.placement_end, name="placement-end"),
    path("placements/<int:pk>/<slug:action>/", views.placement_action, name="placement-action"),
    path("providers/", views.providers, name="providers"),
    path("providers/<int:pk>/", views.provider_detail, name="provider"),
    path("commission/", views.commission_start, name="commission"),
    path("commission/check/", views.commission_check, name="commission-check"),
    path("commission/<slug:step>/", views.commission_step, name="commission-step"),
]
