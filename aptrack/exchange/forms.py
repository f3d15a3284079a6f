"""Upload forms of the exchange pages."""

from __future__ import annotations

from django import forms
from django.conf import settings


def _size_limit(upload: object) -> None:
    limit = getattr(settings, "EXCHANGE_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
    if getattr(upload, "size", 0) > limit:
        raise forms.ValidationError(f"The file must be smaller than {limit // (1024 * 1024)} MB.")


class UploadForm(forms.Form):
    """One file to import."""

    file = forms.FileField(label="Upload a file", validators=[_size_limit],
                           error_messages={"required": "Choose the file to upload.",
                                           "empty": "The file you chose is empty."})


class CensusForm(forms.Form):
    """The collection period of a census return."""

    census_date = forms.DateField(label="Census day", input_formats=["%Y-%m-%d"],
                                  error_messages={"invalid": "Enter census day as yyyy-mm-dd.",
                                                  "required": "Enter census day."})
    period_start = forms.DateField(label="First day of the collection period",
                                   input_formats=["%Y-%m-%d"],
                                   error_messages={"invalid": "Enter the first day as "
                                                              "yyyy-mm-dd.",
                                                   "required": "Enter the first day of the "
                                                               "period."})

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("census_date") and data.get("period_start") and (
                data["period_start"] > data["census_date"]):
            self.add_error("period_start", "The period must start on or before census day.")
        return data
