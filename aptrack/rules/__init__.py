"""Pure domain rules of AP Track: no Django, no clock, no I/O except reading package data.

Import the submodules directly::

    from aptrack.rules import upn, uln, arrangements, calendar, clocks, attendance, registration

Every public function cites its source with the evidence level used in DOMAIN.md:
[law] statute or regulation; [guidance] DfE guidance; [secondary] council/vendor pages quoting
law or guidance; [open] unconfirmed, so the value is a parameter with a default.
"""

from aptrack.rules import (
    arrangements,
    attendance,
    calendar,
    clocks,
    registration,
    uln,
    upn,
)

__all__ = [
    "arrangements",
    "attendance",
    "calendar",
    "clocks",
    "registration",
    "uln",
    "upn",
]
