"""Template helpers of the quality pages (GOV.UK form fields)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template

register = template.Library()
_GROUPED = {"radioselect", "govdate"}


@register.filter
def anchor(field: Any) -> str:
    """The id an error summary links to: the first box of a date or the first radio."""
    return f"{field.auto_id}_0" if field.widget_type in _GROUPED else field.id_for_label


@register.filter
def date_parts(field: Any) -> list[Any]:
    """Day, month and year as typed (bound) or from the initial date."""
    value = field.value()
    if isinstance(value, date):
        return [value.day, value.month, value.year]
    if isinstance(value, list | tuple):
        return [*value, "", "", ""][:3]
    return ["", "", ""]


@register.filter
def state_tag(state: str) -> str:
    """The GOV.UK tag colour of a check state."""
    return {"valid": "govuk-tag--green", "expiring": "govuk-tag--yellow",
            "expired": "govuk-tag--red", "not_met": "govuk-tag--red",
            "missing": "govuk-tag--grey"}.get(state, "")


@register.simple_tag
def date_boxes() -> list[tuple[str, int]]:
    """The three boxes of a GOV.UK date input: label and width."""
    return [("Day", 2), ("Month", 2), ("Year", 4)]
