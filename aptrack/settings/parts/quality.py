"""Settings of the quality area (imported at the end of aptrack.settings.base).

Everything the law or guidance leaves open is a setting here (DOMAIN.md sections 5 and 6). The
registration test's full-time hours and the SEN widening of the Children's Wellbeing and Schools
Act 2026 are ``APTRACK["FULL_TIME_HOURS"]`` and ``APTRACK["SEN_WIDENING"]`` in base.py.
"""

from __future__ import annotations

import os

QUALITY = {
    # Checks without which a placement may not be commissioned (unless an LA officer overrides
    # with a recorded reason). KCSIE: written confirmation of staff checks; DfE AP guidance.
    "CRITICAL_CHECKS": os.environ.get(
        "APTRACK_CRITICAL_CHECKS",
        "staff_checks,dsl,safeguarding_policy,insurance,risk_assessment",
    ).split(","),
    # Months a check stays valid when the checker gives no expiry of their own.
    "DEFAULT_VALID_MONTHS": {
        "staff_checks": 12, "dsl": 12, "safeguarding_policy": 12, "insurance": 12,
        "risk_assessment": 12, "registration": 12, "ofsted_report": 36,
        "single_central_record": 12, "site_visit": 12, "health_and_safety": 12,
        "behaviour_policy": 12, "attendance_policy": 12,
    },
    # Reminders go out this many days before a check expires.
    "REMINDER_DAYS": int(os.environ.get("APTRACK_CHECK_REMINDER_DAYS", "30")),
    # Evidence files: stored outside the web root, served only through a permission check.
    # Empty: VAR_DIR/private/evidence (never under STATIC_ROOT or any served directory).
    "EVIDENCE_DIR": os.environ.get("APTRACK_EVIDENCE_DIR", ""),
    "EVIDENCE_MAX_BYTES": int(os.environ.get("APTRACK_EVIDENCE_MAX_BYTES", str(10 * 2**20))),
    # Planned national limits for unregistered AP (voluntary standards, Aug 2025, not yet law):
    # warnings only. A placement is within them if short (<= weeks) or part-time (<= sessions).
    "UNREGISTERED_LIMITS_WARN": os.environ.get("APTRACK_UNREGISTERED_LIMITS_WARN", "1") == "1",
    "UNREGISTERED_MAX_WEEKS": int(os.environ.get("APTRACK_UNREGISTERED_MAX_WEEKS", "12")),
    "UNREGISTERED_MAX_SESSIONS": int(os.environ.get("APTRACK_UNREGISTERED_MAX_SESSIONS", "4")),
    # Reviews: "at least half-termly" on the commissioner's calendar; "due soon" window in days.
    "REVIEW_DUE_SOON_DAYS": int(os.environ.get("APTRACK_REVIEW_DUE_SOON_DAYS", "14")),
    # Sustained reintegration follow-up, in months after the learner went back to school.
    "FOLLOW_UP_MONTHS": int(os.environ.get("APTRACK_FOLLOW_UP_MONTHS", "6")),
    # Roles that read safeguarding liaison notes (of the organisations involved): the DSL of
    # the commissioning or home school, the provider's own DSL (of its own placements only)
    # and the LA safeguarding officer of the commissioning or home LA.
    "DSL_ROLES": ["school_dsl", "provider_dsl", "la_safeguarding"],
    # Roles of post-16 providers that commission AP and so record their own provider checks
    # (each commissioner makes its own checks; DOMAIN.md sections 1 and 5).
    "POST16_COMMISSIONER_ROLES": ["post16_staff"],
}
