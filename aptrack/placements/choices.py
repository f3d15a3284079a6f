"""Enumerations of the placements app; vocabularies match ``aptrack.rules.arrangements``."""

from django.db import models


class Reason(models.TextChoices):
    PERMANENT_EXCLUSION = "permanent_exclusion", "Permanent exclusion"
    SUSPENSION = "suspension", "Suspension"
    HEALTH = "health", "Health needs"
    OFF_SITE_DIRECTION = "off_site_direction", "Off-site direction to improve behaviour"
    PREVENTATIVE = "preventative", "Prevention or re-engagement"
    OTHER = "other", "Other reason (no suitable school place)"


class CommissionerKind(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    SCHOOL = "school", "School"
    POST16_PROVIDER = "post16_provider", "Post-16 provider"


class Tier(models.IntegerChoices):
    """SEND and AP Improvement Plan (March 2023) tiers."""

    TARGETED_SUPPORT = 1, "Tier 1: targeted support in mainstream"
    TIME_LIMITED = 2, "Tier 2: time-limited placement"
    TRANSITIONAL = 3, "Tier 3: transitional placement"


class Status(models.TextChoices):
    REFERRED = "referred", "Referred"
    AGREED = "agreed", "Agreed"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"
    CANCELLED = "cancelled", "Cancelled before it started"


class RegistrationAtProvider(models.TextChoices):
    DUAL = "dual", "Dual registered (provider subsidiary)"
    SINGLE = "single", "Single registered at the provider"
    NONE = "none", "Not registered at the provider"


class EndReason(models.TextChoices):
    OBJECTIVES_MET = "objectives_met", "Objectives met"
    PLANNED_END = "planned_end", "Planned end date reached"
    MOVED_PROVIDER = "moved_provider", "Moved to another provider"
    BREAKDOWN = "breakdown", "Placement broke down"
    LEFT_AREA = "left_area", "Left the area"
    OTHER = "other", "Other"


class Destination(models.TextChoices):
    """Where the learner went next: AP is an intervention, not a destination."""

    RETURNED_HOME_SCHOOL = "returned_home_school", "Returned to the home school"
    NEW_MAINSTREAM = "new_mainstream", "New mainstream school"
    SPECIAL_SCHOOL = "special_school", "Special school"
    ANOTHER_AP = "another_ap", "Another alternative provision"
    POST16_EDUCATION = "post16_education", "Post-16 education or training"
    EMPLOYMENT = "employment", "Employment with training"
    NEET = "neet", "Not in education, employment or training"
    ELECTIVE_HOME_EDUCATION = "elective_home_education", "Elective home education"
    UNKNOWN = "unknown", "Not known"


SESSION_SLOTS = ("mon_am", "mon_pm", "tue_am", "tue_pm", "wed_am", "wed_pm", "thu_am", "thu_pm",
                 "fri_am", "fri_pm")
