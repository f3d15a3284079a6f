"""Term dates used by the rules tests."""

from __future__ import annotations

from datetime import date

# Realistic term dates for a West Midlands maintained school (invented, in the usual pattern):
# six half terms a year, INSET days at the start of terms.
TERMS_2024_25 = (
    (date(2024, 9, 2), date(2024, 10, 25)),
    (date(2024, 11, 4), date(2024, 12, 20)),
    (date(2025, 1, 6), date(2025, 2, 14)),
    (date(2025, 2, 24), date(2025, 4, 4)),
    (date(2025, 4, 22), date(2025, 5, 23)),  # contains the early May bank holiday, 5 May 2025
    (date(2025, 6, 2), date(2025, 7, 22)),
)
TERMS_2025_26 = (
    (date(2025, 9, 1), date(2025, 10, 24)),  # half term 27-31 October 2025
    (date(2025, 11, 3), date(2025, 12, 19)),
    (date(2026, 1, 5), date(2026, 2, 13)),
    (date(2026, 2, 23), date(2026, 3, 27)),
    (date(2026, 4, 13), date(2026, 5, 22)),  # contains the early May bank holiday, 4 May 2026
    (date(2026, 6, 1), date(2026, 7, 21)),
)
INSET_DAYS = (
    date(2024, 9, 2),
    date(2025, 9, 1),
    date(2025, 9, 2),
    date(2026, 1, 5),
)
HALF_TERM_ENDS = tuple(end for _, end in TERMS_2024_25 + TERMS_2025_26)
