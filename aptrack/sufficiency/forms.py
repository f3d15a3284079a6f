"""Forms of the sufficiency pages: the scenario (read-only, by GET) and the upload."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings

from . import forecast as fc
from .choices import NEED_CHOICES, Phase, Provision, UploadKind
from .summary import METHOD_LABELS


def _years() -> list[tuple[str, str]]:
    conf = settings.SUFFICIENCY
    return [(str(y), fc.school_year_label(y))
            for y in range(conf["HORIZON_FIRST"], conf["HORIZON_LAST"] + 1)]


class ScenarioForm(forms.Form):
    """The method and the what-if settings; blank means no change from the baseline."""

    method = forms.ChoiceField(choices=list(METHOD_LABELS.items()), required=False)
    inclusion = forms.DecimalField(
        label="Mainstream inclusion: percentage of AP demand met in mainstream with support",
        min_value=Decimal(0), max_value=Decimal(100), decimal_places=1, required=False)
    growth = forms.DecimalField(
        label="Growth rate override: annual growth in percent from the base year",
        min_value=Decimal(-50), max_value=Decimal(100), decimal_places=1, required=False)
    new_places = forms.IntegerField(label="Number of new places", min_value=1, max_value=5000,
                                    required=False)
    new_provision = forms.ChoiceField(label="Provision type", choices=Provision.choices,
                                      required=False)
    new_phase = forms.ChoiceField(label="Phase", choices=Phase.choices, required=False)
    new_need = forms.ChoiceField(label="Designated for need",
                                 choices=[("", "Any need"), *NEED_CHOICES], required=False)
    new_year = forms.ChoiceField(label="Opening in school year", choices=_years,
                                 required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("new_places") and not (data.get("new_provision") and data.get("new_phase")
                                           and data.get("new_year")):
            self.add_error("new_provision", "Choose the provision type, phase and year the new "
                                            "places open in.")
        return data

    def scenario(self) -> fc.Scenario:
        """The scenario of valid data (call after is_valid())."""
        d = self.cleaned_data
        new = ()
        if d.get("new_places"):
            new = (fc.Change("scenario", d["new_provision"], d["new_phase"],
                             d.get("new_need") or "", int(d["new_year"]), d["new_places"]),)
        growth = d.get("growth")
        return fc.Scenario(inclusion_pct=float(d.get("inclusion") or 0),
                           growth_pct=None if growth is None else float(growth), new_places=new)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", choices=UploadKind.choices)
    source = forms.CharField(label="Source of the figures", max_length=300,
                             help_text="For example: SEN2 returns 2018 to 2024; ONS 2022-based "
                                       "sub-national population projections.")
    file = forms.FileField(label="Upload a file", help_text="A CSV (UTF-8 or Windows-1252) or XLSX "
                                                           "file whose first row names the "
                                                           "columns.")
