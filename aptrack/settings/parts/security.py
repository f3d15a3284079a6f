"""Settings of the security area: sign-in lockout, two-factor sign-in, sessions, password reset,
browser hardening, upload limits and the retention schedule (imported at the end of base.py).

OWASP ASVS 5.0 level 2 is the yardstick; docs/decisions/0003-access.md says why each value.
"""

from __future__ import annotations

import os
from datetime import timedelta

# --- Lockout (django-axes): 5 failures lock the username, and the address, for 30 minutes.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [
    p.strip() for p in os.environ.get("APTRACK_LOCKOUT_BY", "username,ip_address").split(",")
    if p.strip()
]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False  # axes would log usernames and addresses: no personal data in logs
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the audit trail instead
AXES_ENABLE_ADMIN = False
AXES_HTTP_RESPONSE_CODE = 429

# --- Two-factor sign-in (django-otp): TOTP, with one-use recovery codes (static tokens).
OTP_TOTP_ISSUER = "AP Track"
OTP_TOTP_THROTTLE_FACTOR = 1  # each wrong code doubles the wait before the next attempt
OTP_STATIC_THROTTLE_FACTOR = 1
APTRACK_RECOVERY_CODES = 10

# --- Password reset and invitation links: single use (Django's token changes with the password
# and last sign-in) and expiring.
PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour
APTRACK_INVITATION_DAYS = 7

# --- Browser hardening. Django 5.2 has no built-in CSP (it arrives in 6.0): our middleware
# sends this policy (no inline scripts or styles).
APTRACK_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_REFERRER_POLICY = "same-origin"
CSRF_FAILURE_VIEW = "aptrack.accounts.views.csrf_failure"

# --- Upload limits (requests and files kept in memory; bigger files are refused by the views).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("APTRACK_MAX_BODY_BYTES", str(5 * 2**20)))
FILE_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("APTRACK_MAX_FILE_MEMORY_BYTES", str(5 * 2**20)))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# --- Retention schedule (DOMAIN.md section 9; IRMS Information Management Toolkit for Schools).
# Each entry: which records, from which date, how many years, and what happens at the end.
# "model" entries whose app does not exist are skipped.
APTRACK_RETENTION = [
    {"record": "attendance register entries", "model": "attendance.AttendanceMark",
     "from": "date", "years": int(os.environ.get("APTRACK_RETAIN_ATTENDANCE_YEARS", "6")),
     "action": "delete", "also_delete": [("attendance.MarkAmendment", "mark")],
     "source": "Education (Pupil Registration) (England) Regulations 2024"},
    {"record": "pupil record", "model": "learners.Learner", "from": "date_of_birth",
     "years": int(os.environ.get("APTRACK_RETAIN_PUPIL_YEARS", "25")), "action": "anonymise",
     "unless_sen": True, "source": "IRMS toolkit: pupil file, DOB + 25 years"},
    {"record": "SEN file", "model": "learners.Learner", "from": "date_of_birth",
     "years": int(os.environ.get("APTRACK_RETAIN_SEN_YEARS", "31")), "action": "anonymise",
     "only_sen": True, "source": "IRMS toolkit: SEN file, DOB + 31 years"},
    {"record": "child protection file", "model": "learners.Learner", "from": "date_of_birth",
     "years": int(os.environ.get("APTRACK_RETAIN_CP_YEARS", "25")), "action": "review",
     "has": {"model": "quality.LiaisonEntry", "learner": "placement__learner",
             "filter": {"safeguarding": True}},
     "source": "IRMS toolkit: child protection file, DOB + 25 years, then review"},
]
