"""Enumerations of the attendance app."""

from django.db import models


class Session(models.TextChoices):
    AM = "AM", "Morning"
    PM = "PM", "Afternoon"


class Source(models.TextChoices):
    """How a mark reached AP Track (the register regulations ask who recorded it and how)."""

    REGISTER = "register", "Register page"
    IMPORT = "import", "File import"
    API = "api", "API"
    DERIVED = "derived", "Derived from the other register"


class AlertKind(models.TextChoices):
    ABSENCE = "absence", "Absent from alternative provision"
    UNMARKED = "unmarked", "Register not marked by close"


class AlertOutcome(models.TextChoices):
    CONTACT_MADE = "contact_made", "Contact made with the learner or family"
    WHEREABOUTS_KNOWN = "whereabouts_known", "Whereabouts known and safe"
    REFERRED = "referred", "Referred to safeguarding or children's services"
    MARKED_IN_ERROR = "marked_in_error", "Mark was wrong and has been corrected"
    NO_CONTACT = "no_contact", "No contact yet: being followed up"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Checking and loading"
    DONE = "done", "Loaded"
    FAILED = "failed", "Not loaded: problems found"


#: Codes of absence: a provider recording one of these for an expected learner raises an alert.
ABSENCE_CATEGORIES = ("authorised", "unauthorised")
#: Codes that say the learner was in the room.
PRESENT_CATEGORIES = ("present",)
