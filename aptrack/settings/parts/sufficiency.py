"""Settings of the sufficiency area (imported at the end of aptrack.settings.base)."""

import os as _os

SUFFICIENCY = {
    # The planning horizon: school years 2025/26 to 2031/32 (the SEND and AP Sufficiency
    # Strategy 2025-2031). History up to the year before the first is fitted.
    "HORIZON_FIRST": int(_os.environ.get("APTRACK_SUFFICIENCY_FIRST_YEAR", "2025")),
    "HORIZON_LAST": int(_os.environ.get("APTRACK_SUFFICIENCY_LAST_YEAR", "2031")),
    # The method whose forecast is the headline ("trend" or "prevalence").
    "DEFAULT_METHOD": _os.environ.get("APTRACK_SUFFICIENCY_METHOD", "trend"),
    # Years of history held out by the backtest, and the prediction interval's coverage.
    "BACKTEST_YEARS": int(_os.environ.get("APTRACK_SUFFICIENCY_BACKTEST_YEARS", "2")),
    "INTERVAL": float(_os.environ.get("APTRACK_SUFFICIENCY_INTERVAL", "0.95")),
    # Uploads: the largest file and the most rows accepted.
    "UPLOAD_MAX_BYTES": 5 * 1024 * 1024,
    "UPLOAD_MAX_ROWS": 50_000,
}
