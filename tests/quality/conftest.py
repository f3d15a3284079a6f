"""Fixtures of the quality tests: evidence files in a temporary directory, and commissioners'
critical checks recorded through the services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings as django_settings

from aptrack.quality import services


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.QUALITY = {**django_settings.QUALITY, "EVIDENCE_DIR": str(tmp_path / "evidence")}
    return tmp_path / "evidence"


def record_critical(provider, *, la=None, school=None, on=None, expires=None, actor=None,
                    kinds=None):
    """Record every critical check of ``provider`` for an LA or a school (system actor)."""
    on = on or date.today() - timedelta(days=30)
    for kind in kinds or django_settings.QUALITY["CRITICAL_CHECKS"]:
        services.check_record(actor=actor, provider=provider, kind=kind, outcome="met",
                              checked_on=on, expires_on=expires, commissioning_la=la,
                              commissioning_establishment=school)
