"""Enumerations of the learners app (census code sets shipped in aptrack/data)."""

from django.db import models

from aptrack.codes import choices

SEN_PROVISION_CHOICES = choices("sen_provision")
PRIMARY_NEED_CHOICES = choices("sen_need_types")
EXCLUSION_REASON_CHOICES = choices("exclusion_reasons")


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"


class EnrolmentStatus(models.TextChoices):
    """Census enrolment status: single, or dual main / dual subsidiary."""

    SINGLE = "C", "Single registration"
    MAIN = "M", "Dual registration: main"
    SUBSIDIARY = "S", "Dual registration: subsidiary"


class LeavingReason(models.TextChoices):
    PERMANENT_EXCLUSION = "permanent_exclusion", "Permanently excluded"
    TRANSFER = "transfer", "Moved to another school"
    PLACEMENT_ENDED = "placement_ended", "Alternative provision placement ended"
    MOVED_AWAY = "moved_away", "Moved out of the area"
    ELECTIVE_HOME_EDUCATION = "elective_home_education", "Elective home education"
    END_OF_COMPULSORY_SCHOOLING = "end_of_compulsory", "Left at the end of compulsory schooling"
    OTHER = "other", "Other"


class ExclusionCategory(models.TextChoices):
    PERMANENT = "PERM", "Permanent exclusion"
    SUSPENSION = "FIXD", "Suspension (fixed period)"
    LUNCHTIME = "LNCH", "Lunchtime suspension"


class ExclusionStatus(models.TextChoices):
    """Where a permanent exclusion stands; suspensions take effect at once."""

    IN_EFFECT = "in_effect", "In effect"
    PENDING = "pending", "Awaiting the governing board"
    FINAL = "final", "Final"
    REINSTATED = "reinstated", "Overturned: learner reinstated"
