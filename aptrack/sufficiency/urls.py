from django.urls import path

from . import views

app_name = "sufficiency"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:code>/", views.plan, name="plan"),
    path("<str:code>/capacity/", views.capacity, name="capacity"),
    path("<str:code>/upload/", views.upload, name="upload"),
    path("<str:code>/sufficiency.xlsx", views.workbook_download, name="workbook"),
    path("<str:code>/sufficiency.pdf", views.report_download, name="report"),
]
