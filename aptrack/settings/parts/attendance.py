"""Settings of the attendance area (imported at the end of aptrack.settings.base)."""

import os

ATTENDANCE = {
    # When each session's register opens (local time, HH:MM) ...
    "AM_START": os.environ.get("APTRACK_AM_START", "09:00"),
    "PM_START": os.environ.get("APTRACK_PM_START", "13:00"),
    # ... and how many minutes later it closes: later marks are "U" territory and unmarked
    # sessions are flagged to the setting and the commissioner.
    "CLOSE_AFTER_MINUTES": int(os.environ.get("APTRACK_REGISTER_CLOSE_MINUTES", "30")),
    # Absence marks for sessions older than this many days are history: no alert is raised.
    "ALERT_WINDOW_DAYS": int(os.environ.get("APTRACK_ALERT_WINDOW_DAYS", "3")),
    # School days within which an N must be replaced ("Working together", 2024).
    "N_CODE_DAYS": int(os.environ.get("APTRACK_N_CODE_DAYS", "5")),
    # Continuous school days of unauthorised absence that must be reported to the LA.
    "UNAUTHORISED_RUN_DAYS": int(os.environ.get("APTRACK_UNAUTHORISED_RUN_DAYS", "10")),
    # The LA's health duty: school days of illness (DfE health needs guidance, 2023).
    "ILLNESS_DAYS": int(os.environ.get("APTRACK_ILLNESS_DAYS", "15")),
    # Largest attendance file accepted through the web page.
    "MAX_UPLOAD_BYTES": int(os.environ.get("APTRACK_ATTENDANCE_MAX_UPLOAD", str(50 * 1024 * 1024))),
    # Uploads up to this size load within the request; larger ones in the background with a
    # progress bar (about 2,000 rows per 64 KB).
    "UPLOAD_INLINE_MAX_BYTES": int(os.environ.get("APTRACK_ATTENDANCE_INLINE_UPLOAD",
                                                  str(64 * 1024))),
    # A background load still "running" this long after its upload was abandoned by a server
    # that stopped (a 50 MB file loads in well under a minute): it is marked failed, and as
    # the load is one transaction, nothing of it was kept.
    "IMPORT_ABANDONED_MINUTES": int(os.environ.get("APTRACK_IMPORT_ABANDONED_MINUTES", "60")),
}
