"""Template helpers for attendance pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``{{ dict|get_item:key }}``: look a key up in a mapping (None when absent)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def field_name(learner_id: Any) -> str:
    return f"code-{learner_id}"
