"""Forms of the attendance pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from aptrack.rules import attendance as rules_attendance

from .choices import AlertOutcome, Session

CODE_CHOICES = [("", "Not marked")] + [
    (code, f"{code} – {rules_attendance.MEANING[code]}") for code in rules_attendance.CODES]


class RegisterDayForm(forms.Form):
    """Which register to show: a school day and a session."""

    date = forms.DateField(input_formats=["%Y-%m-%d"], widget=forms.DateInput(
        attrs={"type": "date", "class": "govuk-input govuk-input--width-10"}))
    session = forms.ChoiceField(choices=Session.choices, widget=forms.Select(
        attrs={"class": "govuk-select"}))


class AlertAcknowledgeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What has been done?", choices=AlertOutcome.choices,
        widget=forms.RadioSelect, error_messages={"required": "Choose what has been done"})
    note = forms.CharField(
        label="Notes (optional)", required=False, max_length=2000,
        help_text="Record who you spoke to and what was agreed. Do not record health details.",
        widget=forms.Textarea(attrs={"rows": 4, "class": "govuk-textarea"}))


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Attendance file (CSV or XLSX)",
        help_text="Columns upn, date, session and code, with a header row. Dates as yyyy-mm-dd "
                  "or dd/mm/yyyy; session AM or PM.",
        error_messages={"required": "Choose a CSV or XLSX file to upload"})
    dry_run = forms.BooleanField(label="Check the file only: do not load the marks",
                                 required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not (name.endswith(".csv") or name.endswith(".xlsx")):
            raise forms.ValidationError("The file must be a CSV or an XLSX file")
        limit = settings.ATTENDANCE["MAX_UPLOAD_BYTES"]
        if upload.size > limit:
            raise forms.ValidationError(f"The file must be smaller than {limit // 1048576} MB")
        return upload
