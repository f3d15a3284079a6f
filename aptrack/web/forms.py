"""Forms of the web pages. Error messages follow the GOV.UK Design System: say what went wrong
and how to fix it, in the user's words ("Enter the start date", "Choose the reason")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from aptrack.learners.choices import PRIMARY_NEED_CHOICES, SEN_PROVISION_CHOICES
from aptrack.placements.choices import SESSION_SLOTS, Destination, EndReason, Reason, Tier

SCHOOL_REASONS = (Reason.SUSPENSION, Reason.OFF_SITE_DIRECTION, Reason.PREVENTATIVE)
SLOT_LABELS = {f"{d}_{s}": f"{day} {s.upper()}" for d, day in
               (("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"),
                ("fri", "Friday")) for s in ("am", "pm")}
REASON_HINTS = {
    Reason.PERMANENT_EXCLUSION: "The LA arranges full-time education from the 6th school day.",
    Reason.SUSPENSION: "The school arranges education from the 6th day of a suspension longer "
                       "than 5 school days.",
    Reason.HEALTH: "The LA arranges education for a child who cannot attend because of health "
                   "needs.",
    Reason.OFF_SITE_DIRECTION: "The school directs the pupil off site to improve their "
                               "behaviour.",
    Reason.PREVENTATIVE: "The school arranges provision to prevent exclusion or re-engage the "
                         "pupil.",
    Reason.OTHER: "The LA arranges education for a child with no suitable school place.",
}


def required(message: str) -> dict[str, str]:
    return {"required": message, "invalid_choice": message}


class DateParts:
    """Reads a GOV.UK date input (``<name>-day``, ``-month``, ``-year``) from a form's data."""

    @staticmethod
    def read(data: Any, name: str, label: str, *, is_required: bool) -> tuple[date | None, str]:
        parts = [str(data.get(f"{name}-{p}", "")).strip() for p in ("day", "month", "year")]
        if not any(parts):
            return None, (f"Enter the {label}" if is_required else "")
        missing = [p for p, v in zip(("day", "month", "year"), parts, strict=True) if not v]
        if missing:
            return None, f"The {label} must include a {' and '.join(missing)}"
        try:
            day, month, year = (int(p) for p in parts)
            if year < 1000:
                return None, f"The year of the {label} must include 4 numbers"
            return date(year, month, day), ""
        except ValueError:
            return None, f"The {label} must be a real date"


class GovukForm(forms.Form):
    """A form whose errors link to the first input of each field (for the error summary)."""

    date_fields: dict[str, tuple[str, bool]] = {}  # name -> (label, required)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.initial_dates: dict[str, date | None] = kwargs.pop("initial_dates", {})
        super().__init__(*args, **kwargs)
        self.dates: dict[str, date | None] = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name, (label, is_required) in self.date_fields.items():
            value, error = DateParts.read(self.data, name, label, is_required=is_required)
            if error:
                self.add_error(None, forms.ValidationError(error, code=f"date:{name}"))
            self.dates[name] = value
        return data

    def date_parts(self, name: str) -> dict[str, str]:
        """The day, month and year to show in a date input (as typed, or the initial date)."""
        if self.is_bound:
            return {p: self.data.get(f"{name}-{p}", "") for p in ("day", "month", "year")}
        value = self.initial_dates.get(name)
        if value is None:
            return {"day": "", "month": "", "year": ""}
        return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}

    @property
    def date_view(self) -> dict[str, dict[str, Any]]:
        """For templates: each date field's parts and error message."""
        return {name: {"parts": self.date_parts(name), "error": self.date_error(name)}
                for name in self.date_fields}

    def date_error(self, name: str) -> str:
        for error in self.non_field_errors().as_data():
            if error.code == f"date:{name}":
                return str(error.message)
        return ""

    def error_list(self) -> list[tuple[str, str]]:
        """(anchor, message) for every error, in the order of the page, for the error summary."""
        items: list[tuple[str, str]] = []
        for error in self.non_field_errors().as_data():
            code = error.code or ""
            anchor = f"{code.split(':', 1)[1]}-day" if code.startswith("date:") else "main-content"
            items.append((anchor, str(error.message)))
        for name, errors in self.errors.items():
            if name == "__all__":
                continue
            field = self[name]
            widget = field.field.widget
            anchor = (f"{field.auto_id}_0" if isinstance(
                widget, forms.RadioSelect | forms.CheckboxSelectMultiple) else field.id_for_label)
            items.extend((anchor, str(message)) for message in errors)
        return items


class LearnerChoiceForm(GovukForm):
    learner = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, label="Learner",
                                     error_messages=required("Choose the learner"))

    def __init__(self, *args: Any, learners: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["learner"].choices = [
            (learner.pk, f"{learner.full_name} (UPN {learner.upn or 'not known'}, born "
                         f"{learner.date_of_birth:%-d %B %Y})") for learner in learners]


class ReasonForm(GovukForm):
    reason = forms.ChoiceField(widget=forms.RadioSelect, label="Why is the placement needed?",
                               error_messages=required("Choose why the placement is needed"))

    def __init__(self, *args: Any, reasons: Any = Reason.values, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(r, Reason(r).label) for r in reasons]
        self.hints = {r: REASON_HINTS[Reason(r)] for r in reasons}


class ExclusionForm(GovukForm):
    exclusion = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect,
                                       label="Which exclusion is the placement for?",
                                       error_messages=required("Choose the exclusion"))

    def __init__(self, *args: Any, exclusions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["exclusion"].choices = [
            (x.pk, f"{x.get_category_display()} from {x.school} from {x.first_day:%-d %B %Y}"
                   + (f" ({x.school_days.normalize():f} school days)" if x.school_days else "")
                   + f": {x.get_status_display().lower()}")
            for x in exclusions]


class ProviderForm(GovukForm):
    provider = forms.TypedChoiceField(coerce=int, label="Provider",
                                      error_messages=required("Choose the provider"))

    def __init__(self, *args: Any, providers: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "Choose a provider")] + [
            (p.pk, f"{p.name} ({p.get_kind_display()})") for p in providers]


class SiteForm(GovukForm):
    site = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect,
                                  label="Which site will the learner attend?",
                                  error_messages=required("Choose the site"))

    def __init__(self, *args: Any, sites: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [
            (s.pk, f"{s.name}, {s.postcode}" + (f" (run by {s.subcontractor})"
                                                if s.subcontractor else "")) for s in sites]


class TierForm(GovukForm):
    tier = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, choices=Tier.choices,
                                  label="What kind of placement is it?",
                                  error_messages=required("Choose the kind of placement"))


class DatesForm(GovukForm):
    date_fields = {"start": ("start date", True), "planned_end": ("planned end date", False)}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = self.dates.get("start"), self.dates.get("planned_end")
        if start and end and end < start:
            self.add_error(None, forms.ValidationError(
                "The planned end date must be the same as or after the start date",
                code="date:planned_end"))
        return data


class PatternForm(GovukForm):
    sessions = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, choices=list(SLOT_LABELS.items()),
        label="Which sessions will the learner attend the provider?",
        error_messages=required("Choose at least one session at the provider"))
    hours = forms.CharField(label="Hours of education a week", max_length=5,
                            error_messages=required("Enter the hours of education a week"))

    def clean_hours(self) -> Decimal:
        raw = self.cleaned_data["hours"].strip()
        try:
            hours = Decimal(raw)
        except InvalidOperation:
            raise forms.ValidationError("Hours a week must be a number, like 12.5") from None
        if not (Decimal("0.5") <= hours <= Decimal("40")):
            raise forms.ValidationError("Hours a week must be between 0.5 and 40")
        if hours != hours.quantize(Decimal("0.1")):
            raise forms.ValidationError("Hours a week can have one decimal place, like 12.5")
        return hours

    def pattern(self) -> str:
        chosen = set(self.cleaned_data["sessions"])
        return "".join("1" if slot in chosen else "0" for slot in SESSION_SLOTS)


class VersionForm(GovukForm):
    """The version of the record the user saw, so that a stale change is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class EndPlacementForm(VersionForm):
    date_fields = {"end": ("end date", True)}
    end_reason = forms.ChoiceField(widget=forms.RadioSelect, choices=EndReason.choices,
                                   label="Why did the placement end?",
                                   error_messages=required("Choose why the placement ended"))
    destination = forms.ChoiceField(label="Where did the learner go next?",
                                    choices=[("", "Choose a destination"), *Destination.choices],
                                    error_messages=required("Choose where the learner went next"))


class LearnerDetailsForm(VersionForm):
    date_fields = {"date_of_birth": ("date of birth", True)}
    given_name = forms.CharField(label="Given name", max_length=100,
                                 error_messages=required("Enter the given name"))
    family_name = forms.CharField(label="Family name", max_length=100,
                                  error_messages=required("Enter the family name"))
    upn = forms.CharField(label="Unique pupil number (UPN)", max_length=13, required=False)
    sen_provision = forms.ChoiceField(widget=forms.RadioSelect, label="SEN provision",
                                      choices=SEN_PROVISION_CHOICES,
                                      error_messages=required("Choose the SEN provision"))
    primary_need = forms.ChoiceField(label="Primary need", required=False,
                                     choices=[("", "None recorded"), *PRIMARY_NEED_CHOICES])
    looked_after = forms.BooleanField(label="The learner is looked after by a local authority",
                                      required=False)


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search by name or UPN")
