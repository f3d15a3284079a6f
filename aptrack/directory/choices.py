"""Enumerations of the directory app."""

from django.db import models


class EstablishmentKind(models.TextChoices):
    """What kind of setting an establishment is: the provider vocabulary of ``aptrack.rules``."""

    PRU = "pru", "Pupil referral unit"
    AP_ACADEMY = "ap_academy", "Alternative provision academy"
    AP_FREE_SCHOOL = "ap_free_school", "Alternative provision free school"
    SPECIAL_SCHOOL = "special_school", "Special school"
    HOSPITAL_SCHOOL = "hospital_school", "Hospital school"
    MAINSTREAM_SCHOOL = "mainstream_school", "Mainstream school"
    INDEPENDENT_SCHOOL = "independent_school", "Registered independent school"
    UNREGISTERED = "unregistered", "Unregistered alternative provision"
    FE_COLLEGE = "fe_college", "Further education or post-16 provider"
    TUITION = "tuition", "Tuition service"
    OTHER = "other", "Other"


SCHOOL_KINDS = frozenset(
    {"pru", "ap_academy", "ap_free_school", "special_school", "hospital_school",
     "mainstream_school", "independent_school"}
)


class Phase(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"
    ALL_THROUGH = "all_through", "All-through"
    POST16 = "post16", "16 plus"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class EstablishmentStatus(models.TextChoices):
    OPEN = "open", "Open"
    PROPOSED_TO_CLOSE = "proposed_to_close", "Open, proposed to close"
    CLOSED = "closed", "Closed"
    PROPOSED_TO_OPEN = "proposed_to_open", "Proposed to open"


class RegistrationStatus(models.TextChoices):
    """Whether a setting is a registered school (can keep an admission register) or not."""

    REGISTERED_SCHOOL = "registered_school", "Registered school"
    UNREGISTERED = "unregistered", "Not registered as a school"
    FE_REGISTERED = "fe", "Further education provider (not a school)"


class ProvisionTerm(models.TextChoices):
    """How a council describes a PRU's places: a local label, not a legal category."""

    SHORT_TERM = "short_term", "Short-term provision"
    LONG_TERM = "long_term", "Long-term provision"
    BOTH = "both", "Short- and long-term provision"
    NOT_APPLICABLE = "", "Not applicable"
