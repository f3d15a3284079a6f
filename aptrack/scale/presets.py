"""Sizes of synthetic data: one council, a region (about 1/9 of England), the whole country.

Orders of magnitude from public statistics: England has 153 local authorities and about 24,000
state-funded and independent schools (DfE "Schools, pupils and their characteristics" 2024/25,
GIAS); about 100,000 to 150,000 children are in alternative provision in a year (DfE AP census
and school census, "Alternative provision in England" 2024/25); a school year has 190 school
days (380 sessions). A placement covers about half of a year on average and a learner still on
their school's roll has a mark in both registers, which gives the 28 million marks a year the
issue asks for at national scale (about 280 a learner).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """How much to generate."""

    name: str
    las: int
    #: Establishments in each LA (schools, PRUs, AP, colleges): England's 24,000 / 153 = 157.
    establishments_per_la: int
    #: Learners placed in AP in each LA in each school year.
    learners_per_la_year: int
    #: Complete school years before the current one (marks are kept for 6 years).
    history_years: int

    @property
    def learners(self) -> int:
        return self.las * self.learners_per_la_year * (self.history_years + 1)


SCALES = {
    # For tests: a few of everything, every reason and provider kind.
    "tiny": Scale("tiny", las=2, establishments_per_la=14, learners_per_la_year=8,
                  history_years=1),
    # One council: about 1,000 learners in AP a year.
    "la": Scale("la", las=1, establishments_per_la=157, learners_per_la_year=1000,
                history_years=1),
    # About 1/9 of England (e.g. the West Midlands has 14 LAs, the South East 19).
    "region": Scale("region", las=17, establishments_per_la=157, learners_per_la_year=654,
                    history_years=1),
    # England: 153 LAs x 157 = 24,000 establishments; 153 x 654 = 100,000 learners a year.
    "national": Scale("national", las=153, establishments_per_la=157, learners_per_la_year=654,
                      history_years=1),
}
