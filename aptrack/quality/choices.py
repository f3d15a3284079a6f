"""Enumerations of the quality app (DOMAIN.md sections 5 and 6)."""

from django.db import models


class CheckKind(models.TextChoices):
    """What a commissioner checks before placing a learner with a provider.

    KCSIE (written confirmation of staff safeguarding checks); DfE Alternative provision
    guidance (2013, updated Feb 2025): the commissioner's own quality checks [guidance]; typical
    evidence from council AP frameworks [secondary].
    """

    STAFF_CHECKS = "staff_checks", "Written confirmation of staff safeguarding checks"
    DSL = "dsl", "Named designated safeguarding lead"
    SAFEGUARDING_POLICY = "safeguarding_policy", "Safeguarding and child-protection policy"
    INSURANCE = "insurance", "Insurance"
    RISK_ASSESSMENT = "risk_assessment", "Risk assessments"
    REGISTRATION = "registration", "Registration status (independent school where required)"
    OFSTED_REPORT = "ofsted_report", "Ofsted report"
    SINGLE_CENTRAL_RECORD = "single_central_record", "Single central record seen"
    SITE_VISIT = "site_visit", "Site visit"
    HEALTH_AND_SAFETY = "health_and_safety", "Health and safety"
    BEHAVIOUR_POLICY = "behaviour_policy", "Behaviour policy"
    ATTENDANCE_POLICY = "attendance_policy", "Attendance policy"


class CheckOutcome(models.TextChoices):
    MET = "met", "Satisfactory"
    NOT_MET = "not_met", "Not satisfactory"
    NOT_APPLICABLE = "not_applicable", "Not applicable to this provider"


class CheckState(models.TextChoices):
    """The state of one check today, for the checklist."""

    VALID = "valid", "Valid"
    EXPIRING = "expiring", "Expires soon"
    EXPIRED = "expired", "Expired"
    NOT_MET = "not_met", "Not satisfactory"
    MISSING = "missing", "Not checked"


class ProviderStatus(models.TextChoices):
    APPROVED = "approved", "Approved"
    CONDITIONAL = "conditional", "Approved with conditions"
    SUSPENDED = "suspended", "Suspended"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class ReviewDecision(models.TextChoices):
    CONTINUE = "continue", "Continue"
    EXTEND = "extend", "Extend"
    CHANGE = "change", "Change the placement"
    END = "end", "End"
    REINTEGRATE = "reintegrate", "Reintegrate"


class Progress(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    SOME = "some", "Some progress"
    GOOD = "good", "Good progress"
    MET = "met", "Target met"


class LiaisonKind(models.TextChoices):
    CALL = "call", "Telephone call"
    EMAIL = "email", "E-mail"
    MEETING = "meeting", "Meeting"
    VISIT = "visit", "Visit"
    CONCERN = "concern", "Concern"


class OutcomeDestination(models.TextChoices):
    """Where the learner went next: AP is "an intervention, not a destination" (SEND and AP
    Improvement Plan, March 2023)."""

    HOME_SCHOOL = "home_school", "Back to the home school"
    OTHER_MAINSTREAM = "other_mainstream", "Another mainstream school"
    SPECIAL_SCHOOL = "special_school", "Special school"
    ANOTHER_AP = "another_ap", "Another alternative provision"
    POST16_EDUCATION = "post16_education", "Post-16 education"
    EMPLOYMENT_TRAINING = "employment_training", "Employment or training"
    NOT_IN_EDUCATION = "not_in_education", "Not in education"
    MOVED_AWAY = "moved_away", "Moved out of the area"
    OTHER = "other", "Other (give details)"


#: Destinations that need a free-text detail (what happened).
NEEDS_DETAIL = {OutcomeDestination.OTHER}

#: Destinations that count as reintegration into school (followed up after six months).
REINTEGRATION = {OutcomeDestination.HOME_SCHOOL, OutcomeDestination.OTHER_MAINSTREAM,
                 OutcomeDestination.SPECIAL_SCHOOL}

#: The placement's own destination vocabulary for each outcome destination.
PLACEMENT_DESTINATION = {
    "home_school": "returned_home_school", "other_mainstream": "new_mainstream",
    "special_school": "special_school", "another_ap": "another_ap",
    "post16_education": "post16_education", "employment_training": "employment",
    "not_in_education": "neet", "moved_away": "unknown", "other": "unknown",
}


class FollowUpResult(models.TextChoices):
    STILL_THERE = "still_there", "Still there"
    LEFT = "left", "No longer there"
    NOT_KNOWN = "not_known", "Could not find out"


class NoticeRecipient(models.TextChoices):
    PARENT = "parent", "Parent"
    LA = "la", "Local authority"


class ReviewRequester(models.TextChoices):
    PARENT = "parent", "Parent"
    LA = "la", "Local authority (learner with an EHC plan)"
