"""Demo data of the api app, loaded by `aptrack seed_demo` after the core demo data."""

from __future__ import annotations

from typing import Any


def load(loader: Any) -> dict[str, int]:
    """Add this app's demo records; `loader` is the core DemoLoader (.today, .est)."""
    return {}


def reset(la_ids: list[int], learner_ids: list[int]) -> None:
    """Delete this app's demo records of those LAs and learners before the core data goes."""
