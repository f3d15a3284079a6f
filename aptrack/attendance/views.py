"""Attendance pages: registers, alerts, reconciliation, watch lists, imports, a learner's picture.

Thin: each view parses input, calls a service or selector and renders. Out of scope is 404.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from aptrack.accounts import audit
from aptrack.accounts.scopes import PROVIDER_ROLES, SCHOOL_ROLES
from aptrack.directory.models import Establishment
from aptrack.learners.models import Learner
from aptrack.rules import attendance as rules_attendance

from . import jobs, selectors, services
from .choices import AlertKind
from .forms import CODE_CHOICES, AlertAcknowledgeForm, ImportForm
from .models import Alert, AttendanceImport, AttendanceMark
from .whereabouts import calendar_of, current_session, register_rows, session_times


def own_setting(request: HttpRequest) -> Establishment:
    """The school or provider the user works for; others have no register (404)."""
    user: Any = request.user
    org = getattr(user, "organisation", None)
    if (org is None or org.establishment_id is None
            or user.role not in SCHOOL_ROLES | PROVIDER_ROLES):
        raise Http404("No register for your organisation")
    return org.establishment


def _day_and_session(request: HttpRequest) -> tuple[date, str]:
    today, session = current_session()
    raw_date = request.GET.get("date") or request.POST.get("date")
    raw_session = (request.GET.get("session") or request.POST.get("session") or session).upper()
    try:
        day = date.fromisoformat(raw_date) if raw_date else today
    except ValueError:
        raise Http404("Not a date") from None
    if raw_session not in ("AM", "PM"):
        raise Http404("Not a session")
    return day, raw_session


def _period(request: HttpRequest, *, default_start: date, end: date) -> tuple[date, date]:
    """The ``from`` and ``to`` of the query string, if they are dates, else the defaults."""
    try:
        start = date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        start = default_start
    try:
        end = date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        pass
    return start, max(start, end)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """What attendance needs today: alerts, unmarked sessions, mismatches, watch-list counts."""
    user: Any = request.user
    alerts = selectors.alert_list(actor=user).open()
    today = timezone.localdate()
    start, end = _period(request, default_start=date(today.year if today.month >= 9
                                                     else today.year - 1, 9, 1), end=today)
    context: dict[str, Any] = {
        "start": start, "end": end,
        "totals": selectors.attendance_totals(actor=user, start=start, end=end),
        "open_alerts": alerts.count(),
        "watch": selectors.watch_lists(actor=user).counts(),
        "has_register": user.role in SCHOOL_ROLES | PROVIDER_ROLES
        and getattr(user.organisation, "establishment_id", None) is not None,
        "is_school": user.role in SCHOOL_ROLES,
    }
    if context["has_register"]:
        context["unmarked"] = selectors.unmarked_sessions(setting=user.organisation.establishment)
        context["to_review"] = _flagged(user, user.organisation.establishment).count()
    return render(request, "attendance/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """A setting's AM or PM register: everyone present in one action, then the exceptions."""
    setting = own_setting(request)
    day, session = _day_and_session(request)
    cal = calendar_of(setting)
    school_day = cal is not None and cal.is_school_day(day)
    errors: list[dict[str, str]] = []
    if request.method == "POST" and school_day:
        errors = _save_register(request, setting, day, session)
        if not errors:
            return redirect(f"{reverse('attendance:registers')}?date={day}&session={session}")
    rows = register_rows(setting, day, session) if school_day else []
    opens, closes = session_times(day, session)
    now = timezone.now()
    previous = cal.previous_school_day(day) if cal and cal.days and cal.days[0] < day else None
    following = (cal.next_school_day(day) if cal and cal.days and cal.days[-1] > day
                 else None)
    return render(request, "attendance/register.html", {
        "setting": setting, "day": day, "session": session, "rows": rows,
        "school_day": school_day, "closes": closes, "closed": now >= closes,
        "opens": opens, "errors": errors, "code_choices": CODE_CHOICES,
        "posted": request.POST if errors else {},
        "expected_here": sum(1 for r in rows if r.expected_here),
        "unmarked": sum(1 for r in rows if r.expected_here and r.mark is None),
        "previous_day": previous, "next_day": following,
        "is_school": request.user.role in SCHOOL_ROLES,  # type: ignore[union-attr]
    }, status=400 if errors else 200)


def _save_register(request: HttpRequest, setting: Establishment, day: date,
                   session: str) -> list[dict[str, str]]:
    action = request.POST.get("action", "save")
    reason = request.POST.get("reason", "").strip()
    rows = {r.learner.pk: r for r in register_rows(setting, day, session)}
    chosen = {}
    for learner_id, row in rows.items():
        code = request.POST.get(f"code-{learner_id}", "").strip()
        if code and row.expected_here and (row.mark is None or row.mark.code != code):
            chosen[learner_id] = code
    needs_reason = [lid for lid in chosen if rows[lid].mark is not None]
    if needs_reason and not reason:
        return [{"href": "#reason", "text": "Give the reason for changing marks already "
                 "recorded (the register keeps the original and the reason)"}]
    try:
        if action == "all_present":
            result = services.register_all_present(actor=request.user, setting=setting,
                                                    day=day, session=session,
                                                    exceptions=chosen)
        elif action == "accept_proposed":
            result = services.accept_proposed_home_marks(actor=request.user, school=setting,
                                                         day=day, session=session)
        else:
            result = services.attendance_marks_record(
                actor=request.user, source="register", reason=reason,
                marks=[{"learner": lid, "setting": setting.pk, "date": day, "session": session,
                        "code": code} for lid, code in chosen.items()])
    except services.MarksInvalid as exc:
        order = list(chosen)
        out = []
        for err in exc.errors:
            lid = order[err["index"]] if err["index"] < len(order) else None
            name = rows[lid].learner.full_name if lid in rows else "A learner"
            out.append({"href": f"#code-{lid}" if lid else "#register",
                        "text": f"{name}: {err['reason']}"})
        return out
    messages.success(request, f"Register saved: {result.created} marks recorded, "
                              f"{result.amended} changed"
                     + (f", {result.alerts} absence alerts sent" if result.alerts else "") + ".")
    return []


@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "open")
    qs = selectors.alert_list(actor=request.user)
    if show != "all":
        qs = qs.open()
    return render(request, "attendance/alerts.html", {
        "alerts": qs[:200], "show": show, "now": timezone.now()})


@login_required
@require_http_methods(["GET", "POST"])
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(selectors.alert_list(actor=request.user), pk=pk)
    audit.record(actor=request.user, action="learner.view", obj=alert,
                 learner_id=alert.learner_id, changes={"page": "attendance alert"})
    may_act = request.user.role not in PROVIDER_ROLES  # type: ignore[union-attr]
    form = AlertAcknowledgeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_act:
            raise Http404("Providers report absence; the school and commissioner act")
        if form.is_valid():
            try:
                services.alert_acknowledge(actor=request.user, alert_id=alert.pk,
                                           outcome=form.cleaned_data["outcome"],
                                           note=form.cleaned_data["note"])
            except (ValidationError, Alert.DoesNotExist) as exc:
                raise Http404(str(exc)) from None
            messages.success(request, "Alert recorded as dealt with.")
            return redirect("attendance:alerts")
    return render(request, "attendance/alert.html", {
        "alert": alert, "form": form, "may_act": may_act, "now": timezone.now(),
        "is_absence": alert.kind == AlertKind.ABSENCE,
    }, status=400 if form.errors else 200)


@login_required
def reconcile(request: HttpRequest) -> HttpResponse:
    """The home school's list of sessions where its register and the provider's disagree."""
    user: Any = request.user
    if user.role not in SCHOOL_ROLES:
        raise Http404("Only home schools reconcile registers")
    school = own_setting(request)
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        start = today - timedelta(days=28)
    found = selectors.mismatches(actor=user, school=school, start=start, end=today)
    return render(request, "attendance/reconcile.html", {
        "school": school, "mismatches": found, "start": start, "end": today})


@login_required
def watch(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    setting = None
    if user.role in PROVIDER_ROLES:
        setting = own_setting(request)
    lists = selectors.watch_lists(actor=user, setting=setting)
    sections = [
        ("severe", "Severe absence (50% or more)", lists.severe),
        ("persistent", "Persistent absence (10% to 49%)", lists.persistent),
        ("unauthorised_run", "10 continuous school days of unauthorised absence",
         lists.unauthorised_run),
        ("illness", "Illness reaching or expected to reach 15 school days", lists.illness),
        ("n_codes", "N codes not replaced within 5 school days", lists.n_codes),
        ("e_codes", "Excluded beyond the 5th day without provision (E codes)", lists.e_codes),
    ]
    return render(request, "attendance/watch.html", {"sections": sections})


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    setting = own_setting(request)
    posted = request.method == "POST"
    form = ImportForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        job = jobs.start(actor=request.user, setting=setting, upload=form.cleaned_data["file"],
                         dry_run=form.cleaned_data["dry_run"])
        return redirect("attendance:import", pk=job.pk)
    recent = AttendanceImport.objects.filter(setting=setting).order_by("-created_at")[:10]
    return render(request, "attendance/import_upload.html", {
        "form": form, "setting": setting, "recent": recent},
        status=400 if form.errors else 200)


@login_required
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    setting = own_setting(request)
    jobs.expire_abandoned()
    job = get_object_or_404(AttendanceImport, pk=pk, setting=setting)
    done, total = jobs.progress_of(job)
    running = job.status in ("pending", "running")
    return render(request, "attendance/import_status.html", {
        "job": job, "done": done, "total": total, "running": running,
        "percent": int(100 * done / total) if total else 0})


def _flagged(user: Any, setting: Establishment) -> Any:
    """The setting's marks an import flagged for review, of learners the user may see."""
    return (AttendanceMark.objects.for_user(user)
            .filter(setting=setting, needs_review=True))


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest) -> HttpResponse:
    """Marks an import mapped from withdrawn codes: staff confirm them or change the code."""
    setting = own_setting(request)
    errors: list[dict[str, str]] = []
    page_number = request.POST.get("page") or request.GET.get("page")
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("marks") if v.isdigit()]
        if ids:
            try:
                confirmed = services.marks_review_confirm(actor=request.user, setting=setting,
                                                          mark_ids=ids)
            except PermissionDenied:
                raise Http404("Only the setting's own staff confirm its marks") from None
            messages.success(request, f"{confirmed} mark{'' if confirmed == 1 else 's'} "
                                      "confirmed.")
            url = reverse("attendance:review")
            return redirect(f"{url}?page={page_number}" if str(page_number).isdigit() else url)
    marks = (_flagged(request.user, setting).select_related("learner")
             .order_by("-date", "-session", "learner__family_name", "learner__given_name",
                       "pk"))
    page = Paginator(marks, 100).get_page(page_number)
    if request.method == "POST":
        first = f"#mark-{page[0].pk}" if len(page) else "#main-content"
        errors = [{"href": first, "text": "Select the marks whose codes you confirm"}]
    return render(request, "attendance/review.html", {
        "setting": setting, "page": page, "errors": errors,
    }, status=400 if errors else 200)


@login_required
def learner_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """A learner's attendance: summary, AM/PM heatmap by category, and a table alternative."""
    learner = get_object_or_404(Learner.objects.for_user(request.user), pk=pk)  # type: ignore[attr-defined]
    audit.record(actor=request.user, action="learner.view", obj=learner, learner_id=learner.pk,
                 changes={"page": "attendance"})
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        start = None
    weeks = selectors.heatmap(actor=request.user, learner=learner, start=start, end=today)
    first = weeks[0].monday if weeks else today
    summary = selectors.attendance_summary(actor=request.user, learner=learner, start=first,
                                           end=today)
    return render(request, "attendance/learner.html", {
        "learner": learner, "weeks": weeks, "summary": summary, "start": first, "end": today,
        "meaning": rules_attendance.MEANING})
