from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("", views.index, name="index"),
    path("gias/", views.gias_upload, name="gias"),
    path("ctf/", views.ctf_upload, name="ctf"),
    path("learners/", views.learners_upload, name="learners"),
    path("term-dates/", views.calendar_upload, name="calendar"),
    path("ctf/placement/<int:pk>/", views.ctf_download, name="ctf-export"),
    path("census/", views.census_page, name="census"),
    path("census/return.<str:fmt>", views.census_download, name="census-download"),
    path("export/<slug:list_name>.<str:fmt>", views.export_list, name="export"),
]
