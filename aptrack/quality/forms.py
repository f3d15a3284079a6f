"""Forms of the quality pages: they parse and check input; the services decide and write.

Dates use the GOV.UK date input (day, month, year); errors name the field and the reason.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from .choices import (
    NEEDS_DETAIL,
    CheckKind,
    CheckOutcome,
    FollowUpResult,
    LiaisonKind,
    OutcomeDestination,
    Progress,
    ProviderStatus,
    ReviewDecision,
    ReviewRequester,
)


class GovDateWidget(forms.MultiWidget):
    """Day, month and year boxes (GOV.UK Design System date input)."""

    template_name = "quality/widgets/date.html"

    def __init__(self) -> None:
        super().__init__([forms.TextInput(attrs={"inputmode": "numeric"}) for _ in range(3)])

    def decompress(self, value: Any) -> list[Any]:
        return [value.day, value.month, value.year] if value else [None, None, None]


class GovDateField(forms.MultiValueField):
    """A date typed as day, month and year, with the GOV.UK error messages."""

    widget = GovDateWidget

    def __init__(self, **kwargs: Any) -> None:
        fields = tuple(forms.CharField(required=False) for _ in range(3))
        super().__init__(fields=fields, require_all_fields=False, **kwargs)
        self.error_messages["required"] = f"Enter the {(self.label or 'date').lower()}"

    def compress(self, data_list: list[Any]) -> date | None:
        if not data_list or not any(data_list):
            return None
        day, month, year = (str(v or "").strip() for v in data_list)
        label = (self.label or "The date").capitalize()
        if not (day and month and year):
            missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
            raise forms.ValidationError(f"{label} must include a {' and '.join(missing)}")
        try:
            value = date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(f"{label} must be a real date") from None
        if value.year < 1900:
            raise forms.ValidationError(f"{label} must include a 4-digit year")
        return value


def _text(label: str, **kw: Any) -> forms.CharField:
    return forms.CharField(label=label, **kw)


def _area(label: str, **kw: Any) -> forms.CharField:
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": 3}), **kw)


class CheckForm(forms.Form):
    kind = forms.ChoiceField(label="What did you check?", choices=CheckKind.choices,
                             widget=forms.RadioSelect)
    outcome = forms.ChoiceField(label="Outcome", choices=CheckOutcome.choices,
                                widget=forms.RadioSelect)
    checked_on = GovDateField(label="Date checked", help_text="For example, 27 3 2026")
    expires_on = GovDateField(label="Expiry date", required=False,
                              help_text="Leave blank for the usual period for this check")
    notes = _area("Notes (optional)", required=False, max_length=2000)
    evidence = forms.FileField(label="Evidence file (optional)", required=False,
                               help_text="PDF, PNG, JPEG, Word or Excel, up to 10 MB")


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="Provider status", choices=ProviderStatus.choices,
                               widget=forms.RadioSelect)
    reasons = _area("Reasons", max_length=2000)


class AgreementForm(forms.Form):
    intervention = _area("Nature of the intervention", max_length=4000)
    reintegration_plan = _area("Reintegration plan", max_length=4000)
    reintegration_by = GovDateField(label="Reintegration planned by", required=False)
    maximum_weeks = forms.IntegerField(label="Maximum period in weeks", required=False,
                                       min_value=1, max_value=156,
                                       help_text="Required for an off-site direction")
    reporting_arrangements = _area("Reporting arrangements", max_length=4000)
    learner_views = _area("The learner's views", max_length=4000)
    parent_views = _area("The parent's views", max_length=4000)
    agreed_on = GovDateField(label="Date agreed")

    OBJECTIVES = 4

    def __init__(self, *args: Any, objectives: list[Any] | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        existing = list(objectives or [])
        for i in range(1, self.OBJECTIVES + 1):
            current = existing[i - 1] if i <= len(existing) else None
            self.fields[f"objective_{i}_id"] = forms.IntegerField(
                required=False, widget=forms.HiddenInput,
                initial=current.pk if current else None)
            self.fields[f"objective_{i}"] = _text(
                f"Objective {i}", required=i == 1, max_length=300,
                initial=current.description if current else "")
            self.fields[f"objective_{i}_target"] = _text(
                f"Measurable target for objective {i}", required=False, max_length=300,
                initial=current.target if current else "")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for i in range(1, self.OBJECTIVES + 1):
            if data.get(f"objective_{i}") and not data.get(f"objective_{i}_target"):
                self.add_error(f"objective_{i}_target",
                               f"Enter a measurable target for objective {i}")
        return data

    def objectives(self) -> list[dict[str, Any]]:
        d = self.cleaned_data
        return [{"id": d.get(f"objective_{i}_id"), "description": d[f"objective_{i}"],
                 "target": d[f"objective_{i}_target"]}
                for i in range(1, self.OBJECTIVES + 1) if d.get(f"objective_{i}")]


class NoticeForm(forms.Form):
    parent_name = _text("Parent's name", max_length=200)
    given_on = GovDateField(label="Date the notice is given")
    number_of_days = forms.IntegerField(label="Number of school days", min_value=1,
                                        max_value=400)
    reasons = _area("Reasons for the direction", max_length=4000)
    session_times = _text("Session times", max_length=200,
                          help_text="For example, 9am to 3pm, Monday to Friday")
    contact = _text("Person to contact at the provision", max_length=200)


class ReviewRequestForm(forms.Form):
    requested_by = forms.ChoiceField(label="Who asked for the review?",
                                     choices=ReviewRequester.choices, widget=forms.RadioSelect)
    requested_on = GovDateField(label="Date of the request")


class ReviewForm(forms.Form):
    held_on = GovDateField(label="Date of the review")
    attendees = _area("Who attended", max_length=2000)
    attendance_percent = forms.DecimalField(
        label="Attendance reported at the review, if different (%) (optional)", required=False,
        min_value=0, max_value=100, decimal_places=1,
        help_text="The figure from the registers, shown above, is kept with the review "
                  "whatever you type here")
    learner_view = _area("The learner's view", max_length=4000)
    decision = forms.ChoiceField(label="Decision", choices=ReviewDecision.choices,
                                 widget=forms.RadioSelect)
    notes = _area("Notes (optional)", required=False, max_length=4000)
    next_review_on = GovDateField(label="Next review (optional)", required=False,
                                  help_text="Leave blank for the end of the next half term")

    def __init__(self, *args: Any, objectives: list[Any] = (), **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.objective_list = list(objectives)
        for o in self.objective_list:
            self.fields[f"progress_{o.pk}"] = forms.ChoiceField(
                label=f"Progress: {o.description} (target: {o.target})",
                choices=Progress.choices, widget=forms.RadioSelect)

    def progress(self) -> dict[int, tuple[str, str]]:
        return {o.pk: (self.cleaned_data[f"progress_{o.pk}"], "") for o in self.objective_list}


class LiaisonForm(forms.Form):
    placement = forms.TypedChoiceField(label="Placement", coerce=int, choices=())
    kind = forms.ChoiceField(label="Type", choices=LiaisonKind.choices, widget=forms.RadioSelect)
    occurred_on = GovDateField(label="Date")
    with_whom = _text("With whom", max_length=200)
    summary = _area("What happened", max_length=4000)
    safeguarding = forms.BooleanField(
        label="This is a safeguarding concern", required=False,
        help_text="Only designated safeguarding leads and LA safeguarding officers will see it")

    def __init__(self, *args: Any, placements: list[Any] = (), **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["placement"].choices = [(p.pk, f"{p.provider} from {p.start_date:%-d %b %Y}")
                                            for p in placements]


class OutcomeForm(forms.Form):
    destination = forms.ChoiceField(label="Where did the learner go next?",
                                    choices=OutcomeDestination.choices,
                                    widget=forms.RadioSelect)
    destination_note = _text("Details", required=False, max_length=300,
                             help_text="The school, college or employer; for “Other”, say "
                                       "where the learner went (required)")
    end_date = GovDateField(label="End date", required=False,
                            help_text="Needed if the placement is still active")
    end_reason = forms.ChoiceField(label="End reason", required=False, choices=())

    def __init__(self, *args: Any, end_reasons: list[Any] = (), **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["end_reason"].choices = [("", "Choose a reason"), *end_reasons]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("destination") in NEEDS_DETAIL and not data.get("destination_note", "").strip():
            self.add_error("destination_note", "Say where the learner went: “Other” needs the "
                                               "details")
        return data


class FollowUpForm(forms.Form):
    followed_up_on = GovDateField(label="Date followed up")
    result = forms.ChoiceField(label="Is the learner still there?",
                               choices=FollowUpResult.choices, widget=forms.RadioSelect)
    note = _text("Note (optional)", required=False, max_length=300)
