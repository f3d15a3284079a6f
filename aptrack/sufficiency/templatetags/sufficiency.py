"""Template filters of the sufficiency pages: numbers as planners read them."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def places(value: float | None) -> str:
    """A count to the nearest whole learner or place, with thousands separators; a dash for
    no value."""
    if not isinstance(value, int | float):
        return "–"
    return f"{value:,.0f}"


@register.filter
def signed(value: float | None) -> str:
    """A gap with its sign: +12 a shortfall, −5 places spare."""
    if not isinstance(value, int | float):
        return "–"
    rounded = round(value)
    return f"+{rounded:,}" if rounded > 0 else (f"−{-rounded:,}" if rounded < 0 else "0")


@register.filter
def percent(value: float | None) -> str:
    if not isinstance(value, int | float):
        return "–"
    return f"{value:.1f}%"


@register.filter
def at(values: list | tuple, index: int) -> object:
    return values[index]


@register.filter
def get(mapping: dict, key: str) -> object:
    return mapping.get(key)
