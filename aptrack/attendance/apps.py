from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "aptrack.attendance"
    label = "attendance"
