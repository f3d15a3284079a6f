"""Pages for moving data in and out: uploads (GIAS, CTF), census returns and list exports.

Thin: check the role, parse the request, call a service or selector, render. Records outside
the user's scope do not exist (404); a role that may not do a thing gets 403.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from aptrack.accounts.choices import Role
from aptrack.accounts.scopes import LA_ROLES, SCHOOL_ROLES, WRITER_ROLES
from aptrack.placements.models import Placement

from . import census, selectors, services, spreadsheets
from .errors import ImportRefused
from .forms import CensusForm, UploadForm

MAX_PROBLEMS_SHOWN = 500


def _role(request: HttpRequest) -> str:
    return getattr(request.user, "role", "")


def _may_import_gias(request: HttpRequest) -> bool:
    return bool(request.user.is_superuser or _role(request) == Role.LA_ADMIN)


def _may_import_learners(request: HttpRequest) -> bool:
    return bool(request.user.is_superuser or _role(request) in WRITER_ROLES)


def _census_kind(request: HttpRequest) -> str | None:
    if _role(request) in SCHOOL_ROLES:
        return census.SCHOOL
    if _role(request) in LA_ROLES:
        return census.LA
    return None


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """What the user can import and export here."""
    return render(request, "exchange/index.html", {
        "may_gias": _may_import_gias(request), "may_ctf": _may_import_learners(request),
        "census_kind": _census_kind(request), "lists": list(selectors.LISTS),
    })


def _upload(request: HttpRequest, template: str, run: Any) -> HttpResponse:
    form = (UploadForm(request.POST, request.FILES) if request.method == "POST"
            else UploadForm())
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            context["result"] = run(upload.read(), upload.name)
        except ImportRefused as exc:
            context["problems"] = exc.problems[:MAX_PROBLEMS_SHOWN]
            context["problem_count"] = len(exc.problems)
            context["filename"] = upload.name
    return render(request, template, context, status=400 if context.get("problems") else 200)


@login_required
@require_http_methods(["GET", "POST"])
def gias_upload(request: HttpRequest) -> HttpResponse:
    """An LA administrator imports the GIAS establishment file."""
    if not _may_import_gias(request):
        raise PermissionDenied
    return _upload(request, "exchange/gias.html", lambda data, name: services.gias_import(
        actor=request.user, data=data, filename=name))


@login_required
@require_http_methods(["GET", "POST"])
def ctf_upload(request: HttpRequest) -> HttpResponse:
    """School or LA staff import learners from a CTF; a school's new pupils join its roll."""
    if not _may_import_learners(request):
        raise PermissionDenied
    org = getattr(request.user, "organisation", None)
    school = org.establishment if org is not None and _role(request) in SCHOOL_ROLES else None
    return _upload(request, "exchange/ctf.html", lambda data, name: services.ctf_import(
        actor=request.user, data=data, filename=name, enrol_at=school,
        start_date=date.today() if school else None))


@login_required
@require_http_methods(["GET", "POST"])
def learners_upload(request: HttpRequest) -> HttpResponse:
    """School or LA staff add learners from a spreadsheet (CSV or XLSX)."""
    if not _may_import_learners(request):
        raise PermissionDenied
    org = getattr(request.user, "organisation", None)
    school = org.establishment if org is not None and _role(request) in SCHOOL_ROLES else None
    return _upload(request, "exchange/learners.html", lambda data, name: (
        services.learners_import(actor=request.user, data=data, filename=name, enrol_at=school,
                                 start_date=date.today() if school else None)))


@login_required
@require_http_methods(["GET", "POST"])
def calendar_upload(request: HttpRequest) -> HttpResponse:
    """An LA imports its default term dates; a school its own."""
    org = getattr(request.user, "organisation", None)
    if org is None or _role(request) not in WRITER_ROLES:
        raise PermissionDenied
    if _role(request) in SCHOOL_ROLES:
        target: dict[str, Any] = {"establishment": org.establishment}
    else:
        target = {"la": org.la}
    return _upload(request, "exchange/calendar.html", lambda data, name: (
        services.calendar_import(actor=request.user, data=data, filename=name, **target)))


@login_required
@require_GET
def ctf_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The CTF of a placement's learner with the placement's attendance (404 out of scope)."""
    placement = selectors.scoped(Placement, request.user).filter(pk=pk).first()
    if placement is None:
        raise Http404("No such placement")
    try:
        name, xml = services.ctf_export(actor=request.user, placement=placement)
    except ValidationError as exc:
        return render(request, "exchange/ctf_export_problem.html",
                      {"placement": placement, "messages_": exc.messages}, status=400)
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _default_period(kind: str) -> tuple[date, date]:
    today = date.today()
    if kind == census.LA:
        day = census.third_thursday_of_january(today.year if today.month < 9 else today.year + 1)
    else:
        day = today
    return date(day.year - (day.month < 9), 9, 1), day


def _census_for(request: HttpRequest, kind: str, form: CensusForm) -> census.CensusReturn:
    org = request.user.organisation  # type: ignore[union-attr]
    period = census.Period(form.cleaned_data["period_start"], form.cleaned_data["census_date"])
    return selectors.census_return(user=request.user, kind=kind, period=period,
                                   school=org.establishment if kind == census.SCHOOL else None,
                                   la=org.la if kind == census.LA else None)


def _census_form(request: HttpRequest, kind: str) -> CensusForm:
    start, day = _default_period(kind)
    data = request.GET if "census_date" in request.GET else {
        "census_date": day.isoformat(), "period_start": start.isoformat()}
    return CensusForm(data)


@login_required
@require_GET
def census_page(request: HttpRequest) -> HttpResponse:
    """Check the return: every validation problem is listed before anything can be exported."""
    kind = _census_kind(request)
    if kind is None:
        raise PermissionDenied
    form = _census_form(request, kind)
    context: dict[str, Any] = {"form": form, "kind": kind}
    if form.is_valid():
        result = _census_for(request, kind, form)
        context.update(result=result, query=urlencode({
            "census_date": form.cleaned_data["census_date"].isoformat(),
            "period_start": form.cleaned_data["period_start"].isoformat()}))
    return render(request, "exchange/census.html", context)


@login_required
@require_GET
def census_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """The return as CSV or XML, only once it passes validation."""
    kind = _census_kind(request)
    if kind is None:
        raise PermissionDenied
    if fmt not in ("csv", "xml"):
        raise Http404("No such format")
    form = _census_form(request, kind)
    if not form.is_valid():
        return redirect(reverse("exchange:census"))
    result = _census_for(request, kind, form)
    if not result.ok:
        return redirect(reverse("exchange:census") + "?" + request.GET.urlencode())
    org = request.user.organisation  # type: ignore[union-attr]
    if kind == census.SCHOOL:
        e = org.establishment
        source = {"LEA": e.la.code, "Estab": e.estab_number, "URN": e.urn or "",
                  "SchoolName": e.name}
    else:
        source = {"LEA": org.la.code, "Name": org.la.name}
    name, data = services.census_export(actor=request.user, result=result, fmt=fmt,
                                        source=source)
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/xml"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def export_list(request: HttpRequest, list_name: str, fmt: str) -> Any:
    """Any list page as CSV or XLSX: the rows the user may see, with the page's filters."""
    if list_name not in selectors.LISTS or fmt not in spreadsheets.FORMATS:
        raise Http404("No such export")
    spec = selectors.spreadsheet_list(list_name)
    rows = spec.rows(request.user, request.GET.dict())
    return spreadsheets.export(user=request.user, name=spec.name, fmt=fmt,
                               columns=spec.columns, rows=rows,
                               learner_ids=spec.learner_ids(rows))
