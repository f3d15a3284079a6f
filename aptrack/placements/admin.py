from django.contrib import admin

from aptrack.accounts.admin_base import ScopedReadOnlyAdmin

from .models import Placement


@admin.register(Placement)
class PlacementAdmin(ScopedReadOnlyAdmin):
    list_display = ["learner", "provider", "reason", "tier", "status", "start_date",
                    "responsible", "registration_at_provider", "home_school_code",
                    "provision_due_by"]
    list_filter = ["reason", "tier", "status"]
