"""``aptrack forecast --la CODE [--format json]``: the sufficiency forecast of one LA."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aptrack.accounts import audit
from aptrack.directory.models import LocalAuthority
from aptrack.sufficiency import forecast as fc
from aptrack.sufficiency import selectors, summary


class Command(BaseCommand):
    help = ("Forecast demand for specialist and AP places of one LA over the planning horizon, "
            "against its capacity, with backtests.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--la", required=True, help="the LA code, e.g. 332")
        parser.add_argument("--format", choices=["json", "text"], default="text")
        parser.add_argument("--method", choices=list(fc.METHODS), default=None)
        parser.add_argument("--inclusion", type=float, default=0.0,
                            help="scenario: percent of AP demand met in mainstream instead")
        parser.add_argument("--growth", type=float, default=None,
                            help="scenario: annual growth in percent instead of the trend")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            la = selectors.la_by_code(options["la"])
        except LocalAuthority.DoesNotExist:
            raise CommandError(f"No local authority with code {options['la']}.") from None
        if not 0 <= options["inclusion"] <= 100:
            raise CommandError("--inclusion is a percentage from 0 to 100.")
        scenario = fc.Scenario(inclusion_pct=options["inclusion"], growth_pct=options["growth"])
        try:
            plan = selectors.sufficiency_plan(la, today=date.today(), method=options["method"],
                                              scenario=scenario)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        audit.record(actor=None, action="sufficiency.export", obj=la,
                     changes={"format": options["format"], "method": plan.forecast.method})
        data = summary.as_json(plan.forecast, la.code)
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, indent=2))
            return
        self._text(data)

    def _text(self, data: dict[str, Any]) -> None:
        self.stdout.write(f"LA {data['la']}: {data['method']} forecast from {data['base_year']}")
        self.stdout.write("series".ljust(34) + "".join(y.rjust(10) for y in data["years"]))
        for s in data["series"]:
            if s["need"] != fc.ALL_NEEDS:
                continue
            name = f"{s['provision']}/{s['phase']}"
            self.stdout.write(f"{name + ' demand':34}" + "".join(
                f"{v:10.1f}" for v in s["demand"]))
            self.stdout.write(f"{name + ' gap':34}" + "".join(
                f"{'-' if v is None else f'{v:.1f}':>10}" for v in s["gap"]))
