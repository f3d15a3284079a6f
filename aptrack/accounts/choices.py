"""Enumerations of the accounts app."""

from django.db import models


class OrganisationKind(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    SCHOOL = "school", "School"
    PROVIDER = "provider", "Alternative provision provider"
    POST16_PROVIDER = "post16_provider", "Post-16 provider"


class Role(models.TextChoices):
    """What a person does in their organisation; it decides what they may see and do."""

    LA_OFFICER = "la_officer", "LA officer"
    LA_SAFEGUARDING = "la_safeguarding", "LA safeguarding officer"
    LA_ADMIN = "la_admin", "LA administrator"
    SCHOOL_DSL = "school_dsl", "School designated safeguarding lead"
    SCHOOL_STAFF = "school_staff", "School staff"
    PROVIDER_MANAGER = "provider_manager", "Provider manager"
    PROVIDER_STAFF = "provider_staff", "Provider staff"
    PROVIDER_DSL = "provider_dsl", "Provider designated safeguarding lead"
    POST16_STAFF = "post16_staff", "Post-16 staff"


ROLES_BY_ORGANISATION = {
    OrganisationKind.LOCAL_AUTHORITY: {Role.LA_OFFICER, Role.LA_SAFEGUARDING, Role.LA_ADMIN},
    OrganisationKind.SCHOOL: {Role.SCHOOL_DSL, Role.SCHOOL_STAFF},
    OrganisationKind.PROVIDER: {Role.PROVIDER_MANAGER, Role.PROVIDER_STAFF, Role.PROVIDER_DSL},
    OrganisationKind.POST16_PROVIDER: {Role.POST16_STAFF},
}
