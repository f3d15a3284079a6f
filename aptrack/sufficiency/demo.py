"""Demo data of the sufficiency app, loaded by `aptrack seed_demo` after the core demo data.

Seven school years of synthetic counts for the demo LA 332 before AP Track (growing about 10% a
year overall, as EHC plans did nationally: +11.1% in a year, DOMAIN.md section 7; ASD, SEMH and
SLCN fastest), population projections, a capacity register and planned changes with their
sources. Every figure is invented. Loaded through the upload service, as an LA would load them.
"""

from __future__ import annotations

import csv
import io
import random
from typing import Any

from django.conf import settings

from aptrack.directory.models import LocalAuthority

from . import services
from .choices import UploadKind
from .models import CapacityEntry, DataUpload, DemandCount, PlannedChange, PopulationProjection

YEARS_OF_HISTORY = 7
#: Annual growth by primary need (ASD, SEMH and SLCN rising fastest).
GROWTH = {"ASD": 0.15, "SEMH": 0.13, "SLCN": 0.12, "MLD": 0.05, "SPLD": 0.05, "SLD": 0.06,
          "PMLD": 0.04, "HI": 0.03, "VI": 0.03, "PD": 0.04, "OTH": 0.05, "NONE": 0.04}
#: Learners by provision, phase and need in the first year of history.
START = {
    ("mainstream", "primary"): {"ASD": 120, "SLCN": 110, "SEMH": 60, "MLD": 50, "SPLD": 20,
                                "PD": 15, "HI": 10, "VI": 8, "OTH": 10},
    ("mainstream", "secondary"): {"ASD": 100, "SEMH": 70, "SLCN": 40, "MLD": 50, "SPLD": 30,
                                  "PD": 12, "HI": 10, "VI": 6},
    ("mainstream", "post16"): {"ASD": 40, "MLD": 30, "SEMH": 25, "SLCN": 15, "SPLD": 15},
    ("resourced", "primary"): {"ASD": 30, "SLCN": 25, "HI": 8},
    ("resourced", "secondary"): {"ASD": 30, "SLCN": 15, "HI": 6},
    ("special", "primary"): {"ASD": 80, "SLD": 40, "PMLD": 20, "MLD": 30, "SEMH": 20,
                             "SLCN": 20},
    ("special", "secondary"): {"ASD": 110, "SLD": 50, "PMLD": 20, "MLD": 60, "SEMH": 50},
    ("special", "post16"): {"ASD": 40, "SLD": 30, "PMLD": 10, "MLD": 20},
    ("independent", "primary"): {"ASD": 8, "SEMH": 10},
    ("independent", "secondary"): {"ASD": 25, "SEMH": 35},
    ("independent", "post16"): {"ASD": 8, "SEMH": 6},
    ("out_of_area", "primary"): {"ASD": 6, "SEMH": 4, "HI": 2},
    ("out_of_area", "secondary"): {"ASD": 15, "SEMH": 20, "SLD": 5},
    ("out_of_area", "post16"): {"ASD": 10},
    ("ap", "primary"): {"SEMH": 12, "NONE": 15},
    ("ap", "secondary"): {"SEMH": 80, "NONE": 120, "ASD": 15, "SLCN": 10, "MLD": 8},
}
#: Resident children of each phase's ages in the first year, and their yearly change before and
#: after 2026 (primary rolls falling with the birth rate; secondary peaking).
POPULATION = {"primary": (26000, 0.0, -0.012), "secondary": (19000, 0.02, -0.004),
              "post16": (7000, 0.015, 0.01)}


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def history_rows(first: int, rng: random.Random) -> list[list[Any]]:
    rows = []
    for (provision, phase), needs in START.items():
        for need, start in needs.items():
            for i in range(YEARS_OF_HISTORY):
                noise = 1 + rng.gauss(0, 0.03)
                count = round(start * (1 + GROWTH[need]) ** i * noise)
                rows.append([f"{first + i}/{(first + i + 1) % 100:02d}", provision, phase, need,
                             max(0, count)])
    return rows


def population_rows(first: int, last: int) -> list[list[Any]]:
    rows = []
    for phase, (start, before, after) in POPULATION.items():
        value = float(start)
        for year in range(first, last + 1):
            rows.append([str(year), phase, round(value)])
            value *= 1 + (before if year < 2026 else after)
    return rows


def capacity_rows(base: int, counts: dict[tuple[str, str, str], int], urn: dict[str, str]
                  ) -> list[list[Any]]:
    """Places in the base year a little short of demand: some at demo establishments, the rest
    at named groups of settings; special-school ASD places designated for ASD."""
    at = {("ap", "secondary"): [(urn["castle_gate"], 60), (urn["ridgeway"], 50),
                                (urn["meadow_view"], 30)],
          ("ap", "primary"): [(urn["meadow_view"], 10)],
          ("special", "primary"): [(urn["willowbrook"], 50)],
          ("special", "secondary"): [(urn["willowbrook"], 70)],
          ("independent", "secondary"): [(urn["hawthorn"], 45)]}
    rows: list[list[Any]] = []
    for (provision, phase) in START:
        if provision in ("mainstream", "out_of_area"):
            continue  # mainstream support is not counted in places; out-of-area is spot-bought
        demand = sum(v for k, v in counts.items() if k[:2] == (provision, phase))
        target = round(demand * (1.0 if provision == "independent" else 0.96))
        for school_urn, places in at.get((provision, phase), []):
            rows.append([str(base), school_urn, "", provision, phase, "", places])
            target -= places
        asd = counts.get((provision, phase, "ASD"), 0)
        if provision == "special" and asd:
            rows.append([str(base), "", "Borough special schools: ASD bases (demo)", provision,
                         phase, "ASD", round(asd * 0.9)])
            target -= round(asd * 0.9)
        if target > 0:
            rows.append([str(base), "", f"Other {provision} places in the borough (demo)",
                         provision, phase, "", target])
    return rows


def change_rows(base: int, urn: dict[str, str]) -> list[list[Any]]:
    return [
        [str(base + 2), urn["sycamore"], "", "resourced", "secondary", "ASD", 40, "new_places",
         "Capital programme 2025-2028 (demo): resourced base at Sycamore Park"],
        [str(base + 3), "", "Brook Lane special free school (demo)", "special", "secondary", "",
         120, "new_places", "Special free school approval, wave 2 (demo)"],
        [str(base + 2), urn["ridgeway"], "", "ap", "secondary", "", 20, "expansion",
         "Cabinet decision 12 March 2025 (demo): Ridgeway expansion"],
        [str(base + 3), urn["meadow_view"], "", "ap", "primary", "", -10, "closure",
         "Meadow View primary unit closes (demo consultation outcome)"],
        [str(base + 4), urn["hawthorn"], "", "independent", "secondary", "", -15, "reduction",
         "Block contract reduced at renewal (demo)"],
    ]


def load(loader: Any) -> dict[str, int]:
    """Add this app's demo records; `loader` is the core DemoLoader (.today, .est)."""
    la = LocalAuthority.objects.get(code="332")
    first_forecast = settings.SUFFICIENCY["HORIZON_FIRST"]
    first = first_forecast - YEARS_OF_HISTORY
    base = first_forecast - 1
    rng = random.Random(332)  # noqa: S311 - synthetic demo figures, not security
    history = history_rows(first, rng)
    counts = {(r[1], r[2], r[3]): r[4] for r in history if r[0].startswith(str(base))}
    urn = {key: e.urn for key, e in loader.est.items() if e.urn}
    uploads = [
        (UploadKind.HISTORY, ["school_year", "provision", "phase", "need", "count"], history,
         "Synthetic SEN2 and AP counts (demo data)"),
        (UploadKind.POPULATION, ["school_year", "phase", "population"],
         population_rows(first, settings.SUFFICIENCY["HORIZON_LAST"]),
         "Synthetic population projections shaped like ONS SNPP (demo data)"),
        (UploadKind.CAPACITY, ["school_year", "urn", "setting", "provision", "phase", "need",
                               "places"], capacity_rows(base, counts, urn),
         "Synthetic capacity register (demo data)"),
        (UploadKind.CHANGES, ["school_year", "urn", "setting", "provision", "phase", "need",
                              "change", "kind", "source"], change_rows(base, urn),
         "Synthetic capital programme (demo data)"),
    ]
    for kind, header, rows, source in uploads:
        services.sufficiency_upload(actor=None, la=la, kind=kind, filename=f"demo-{kind}.csv",
                                    data=_csv(header, rows), source=source)
    return {"sufficiency_history_rows": len(history)}


def reset(la_ids: list[int], learner_ids: list[int]) -> None:
    """Delete this app's demo records of those LAs and learners before the core data goes."""
    for model in (DemandCount, PopulationProjection, CapacityEntry, PlannedChange, DataUpload):
        model.objects.filter(la_id__in=la_ids).delete()
