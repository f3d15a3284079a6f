from django.contrib import admin

from aptrack.accounts.admin_base import ScopedReadOnlyAdmin

from .models import Enrolment, Exclusion, Learner


@admin.register(Learner)
class LearnerAdmin(ScopedReadOnlyAdmin):
    list_display = ["family_name", "given_name", "upn", "date_of_birth", "sen_provision"]
    search_fields = ["family_name", "given_name", "upn"]


@admin.register(Enrolment)
class EnrolmentAdmin(ScopedReadOnlyAdmin):
    list_display = ["learner", "establishment", "status", "start_date", "end_date"]


@admin.register(Exclusion)
class ExclusionAdmin(ScopedReadOnlyAdmin):
    list_display = ["learner", "school", "category", "first_day", "status"]
