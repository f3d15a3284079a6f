"""Sufficiency pages. Thin: find the LA (LA roles of that LA only; 404 for anyone else), read
the plan through the selectors, render; exports and uploads are audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe

from aptrack.accounts import audit
from aptrack.directory.models import LocalAuthority

from . import charts, pdf, selectors, services, summary, workbook
from . import forecast as fc
from .choices import NEED_LABELS, UploadKind
from .forms import ScenarioForm, UploadForm
from .tabular import UploadInvalid

View = Callable[..., HttpResponse]


def la_only(view: View) -> View:
    """Only LA roles of the LA in the URL get through; everyone else sees a 404."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, code: str, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            la = selectors.la_for_user(request.user, code)
        except LocalAuthority.DoesNotExist:
            raise Http404("No such local authority") from None
        return view(request, la, *args, **kwargs)

    return wrapped


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The signed-in LA user's own sufficiency plan."""
    la = selectors.user_la(request.user)
    if la is None:
        raise Http404("No sufficiency plan for you")
    return redirect("sufficiency:plan", code=la.code)


def _plan(request: HttpRequest, la: LocalAuthority) -> tuple[ScenarioForm, Any, str]:
    form = ScenarioForm(request.GET or None)
    scenario, method = fc.Scenario(), None
    if form.is_bound and form.is_valid():
        scenario, method = form.scenario(), form.cleaned_data.get("method") or None
    try:
        plan = selectors.sufficiency_plan(la, today=date.today(), method=method,
                                          scenario=scenario, user=request.user)
        problem = ""
    except ValueError as exc:
        plan = selectors.sufficiency_plan(la, today=date.today(), scenario=scenario,
                                          user=request.user)
        problem = str(exc)
    return form, plan, problem


@la_only
def plan(request: HttpRequest, la: LocalAuthority) -> HttpResponse:
    """Forecasts with intervals, capacity and gaps, scenarios, backtests; tables beside charts."""
    form, result, problem = _plan(request, la)
    audit.record(actor=request.user, action="sufficiency.view", obj=la)
    f = result.forecast
    sections = []
    for i, total in enumerate(summary.totals_rows(f)):
        title = summary.series_title(total, NEED_LABELS)
        sections.append({
            "id": f"{total.provision}-{total.phase}", "title": title, "total": total,
            "chart": mark_safe(charts.demand_chart(  # noqa: S308 - every text is escaped
                total, years=f.years, title=f"Demand and places: {title}",
                chart_id=f"chart-{i}")),
            "rows": _rows(total, f.years), "needs": summary.need_rows(f, total.provision,
                                                                       total.phase)})
    base = f.base_year
    context = {
        "la": la, "form": form, "plan": result, "forecast": f, "problem": problem,
        "years": [fc.school_year_label(y) for y in f.years], "base_label": summary.label(base),
        "sections": sections, "need_labels": NEED_LABELS,
        "comparison": summary.comparison(result.baseline, f),
        "current": summary.totals_by_year(result.inputs, result.history_years[-5:]),
        "needs": summary.needs_breakdown(result.inputs, base, NEED_LABELS),
        "mix": summary.placement_mix(result.inputs, base),
        "method_labels": summary.METHOD_LABELS, "query": request.GET.urlencode(),
        "provision_labels": [summary.PROVISION_LABELS[p] for p in fc.PROVISIONS],
        "holdout": settings.SUFFICIENCY["BACKTEST_YEARS"],
        "interval_pct": f"{100 * settings.SUFFICIENCY['INTERVAL']:g}",
        "may_upload": services.may_upload(request.user, la),
    }
    return render(request, "sufficiency/plan.html", context)


def _rows(series: fc.SeriesForecast, years: tuple[int, ...]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{"label": fc.school_year_label(y), "actual": v}
                                  for y, v in series.history]
    for i, y in enumerate(years):
        rows.append({"label": fc.school_year_label(y), "demand": series.demand[i],
                     "lower": series.lower[i], "upper": series.upper[i],
                     "capacity": series.capacity[i], "gap": series.gap[i]})
    return rows


def _export(request: HttpRequest, la: LocalAuthority, kind: str) -> Any:
    _form, result, problem = _plan(request, la)
    if problem:
        raise Http404(problem)
    audit.record(actor=request.user, action="sufficiency.export", obj=la,
                 changes={"format": kind, "method": result.forecast.method,
                          "query": request.GET.urlencode()[:500]})
    return result


@la_only
def workbook_download(request: HttpRequest, la: LocalAuthority) -> HttpResponse:
    """The plan as an XLSX workbook with the sections of a sufficiency strategy."""
    result = _export(request, la, "xlsx")
    response = HttpResponse(workbook.build(result), content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = f'attachment; filename="sufficiency-{la.code}.xlsx"'
    return response


@la_only
def report_download(request: HttpRequest, la: LocalAuthority) -> HttpResponse:
    """The plan as a PDF report with the sections of a sufficiency strategy."""
    result = _export(request, la, "pdf")
    response = HttpResponse(pdf.build(result), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="sufficiency-{la.code}.pdf"'
    return response


@la_only
def capacity(request: HttpRequest, la: LocalAuthority) -> HttpResponse:
    """The capacity register and the planned changes with their sources."""
    entries, changes = selectors.capacity_register(la)
    return render(request, "sufficiency/capacity.html", {
        "la": la, "entries": entries, "changes": changes, "need_labels": NEED_LABELS,
        "may_upload": services.may_upload(request.user, la)})


@la_only
def upload(request: HttpRequest, la: LocalAuthority) -> HttpResponse:
    """Upload history, population projections, capacity or planned changes (all or nothing)."""
    if not services.may_upload(request.user, la):
        raise Http404("No such page")
    form = UploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            done = services.sufficiency_upload(
                actor=request.user, la=la, kind=form.cleaned_data["kind"], filename=file.name,
                data=file.read(), source=form.cleaned_data["source"])
        except UploadInvalid as exc:
            problems = exc.errors
        else:
            messages.success(request, f"{done.get_kind_display()}: {done.rows} rows from "
                                      f"{done.filename} uploaded.")
            return redirect(reverse("sufficiency:plan", kwargs={"code": la.code}))
    return render(request, "sufficiency/upload.html", {
        "la": la, "form": form, "problems": problems[:200], "more": max(0, len(problems) - 200),
        "kinds": [(value, label, *services.COLUMNS[value])
                  for value, label in UploadKind.choices]})
