"""Validators for national identifiers of establishments (DOMAIN.md section 8)."""

from django.core.validators import RegexValidator

validate_la_code = RegexValidator(r"^\d{3}$", "An LA code is 3 digits, for example 332.")
validate_urn = RegexValidator(r"^\d{6}$", "A URN is 6 digits, for example 103842.")
validate_ukprn = RegexValidator(r"^1\d{7}$", "A UKPRN is 8 digits starting with 1, e.g. 10012345.")
validate_estab_number = RegexValidator(
    r"^\d{4}$", "An establishment number is 4 digits (the last part of the LAESTAB)."
)
