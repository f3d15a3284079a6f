"""Forms of the accounts pages (GOV.UK Design System markup is in the templates)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .choices import ROLES_BY_ORGANISATION, OrganisationKind, Role


class SignInForm(AuthenticationForm):
    """Username and password; one message for every failure (no hint whether the username
    exists, ASVS 6.3)."""

    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "Enter a correct username and password. Both are case-sensitive.",
    }


class CodeForm(forms.Form):
    """A 6-digit code from the authenticator app, or a 10-digit recovery code."""

    token = forms.CharField(max_length=20, strip=True, error_messages={
        "required": "Enter the 6-digit code from your authenticator app, or a recovery code."})


def role_choices(kind: str) -> list[tuple[str, str]]:
    allowed = ROLES_BY_ORGANISATION[OrganisationKind(kind)]
    return [(r.value, r.label) for r in Role if r in allowed]


class InviteForm(forms.Form):
    first_name = forms.CharField(max_length=150, error_messages={"required": "Enter a first name."})
    last_name = forms.CharField(max_length=150, error_messages={"required": "Enter a last name."})
    email = forms.EmailField(error_messages={
        "required": "Enter the e-mail address the invitation goes to.",
        "invalid": "Enter an e-mail address in the right form, like name@example.org."})
    username = forms.CharField(max_length=150, error_messages={"required": "Enter a username."})
    role = forms.ChoiceField(error_messages={"required": "Choose a role."})
    is_org_admin = forms.BooleanField(required=False)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(kind)


class RoleForm(forms.Form):
    role = forms.ChoiceField(error_messages={"required": "Choose a role."})
    is_org_admin = forms.BooleanField(required=False)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(kind)


class AuditFilterForm(forms.Form):
    username = forms.CharField(max_length=150, required=False)
    since = forms.DateTimeField(required=False, error_messages={
        "invalid": "Enter the start as a date and time, like 2026-01-31 09:00."})
    until = forms.DateTimeField(required=False, error_messages={
        "invalid": "Enter the end as a date and time, like 2026-01-31 17:00."})


class LegalHoldForm(forms.Form):
    learner = forms.IntegerField(min_value=1, error_messages={
        "required": "Enter the learner's AP Track number.",
        "invalid": "Enter the learner's AP Track number, like 1234."})
    reason = forms.CharField(max_length=200, error_messages={
        "required": "Say why the record must be kept (for example, the claim or inquiry)."})
