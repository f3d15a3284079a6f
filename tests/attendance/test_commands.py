"""``aptrack import_attendance`` and ``aptrack attendance_summary``, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from aptrack.attendance.models import AttendanceMark
from tests.attendance.conftest import MON

TUE = MON + timedelta(days=1)


def run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command(*args, stdout=out, stderr=StringIO())
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def write_csv(tmp_path: Path, text: str, name: str = "marks.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_import_csv_loads_and_summarises(dual, tmp_path):
    upn = dual.learner.upn
    path = write_csv(tmp_path, f"upn,date,session,code\n{upn},2025-10-06,AM,/\n"
                               f"{upn},07/10/2025,am,O\n")
    code, out = run("import_attendance", str(path), "--setting", dual.provider.urn)
    assert code == 0
    assert "2 rows read: 2 marks were created" in out
    assert dict(AttendanceMark.objects.filter(setting=dual.provider).values_list(
        "date", "code")) == {MON: "/", TUE: "O"}
    assert AttendanceMark.objects.get(setting=dual.provider, date=MON).source == "import"


def test_import_any_bad_row_exits_1_lists_every_problem_and_writes_nothing(dual, tmp_path):
    upn = dual.learner.upn
    path = write_csv(tmp_path, "upn,date,session,code\n"
                               f"{upn},2025-10-06,AM,/\n"           # line 2 fine
                               f"{upn},2025-10-11,AM,/\n"           # line 3 Saturday
                               "A123,2025-10-06,AM,/\n"             # line 4 bad UPN
                               f"{upn},2025-13-01,AM,/\n"           # line 5 bad date
                               f"{upn},2025-10-07,EV,/\n"           # line 6 bad session
                               f"{upn},2025-10-08,AM,Q9\n")         # line 7 bad code
    code, out = run("import_attendance", str(path), "--setting", dual.provider.urn)
    assert code == 1
    lines = out.strip().splitlines()
    assert [line.split(":")[0] + ":" + line.split(":")[1] for line in lines] == [
        "line 3: date", "line 4: upn", "line 5: date", "line 6: session", "line 7: code"]
    assert "not a school day" in lines[0]
    assert not AttendanceMark.objects.exists()


def test_import_unknown_learner_and_out_of_placement_named(dual, world, tmp_path):
    from tests import factories

    stranger = factories.learner(world.other_school)
    path = write_csv(tmp_path, "upn,date,session,code\n"
                               f"{stranger.upn},2025-10-06,AM,/\n"
                               f"{dual.learner.upn},2025-10-03,AM,/\n"
                               "A332400124999,2025-10-06,AM,/\n")
    code, out = run("import_attendance", str(path), "--setting", dual.provider.urn)
    assert code == 1
    assert "line 2: date: " in out and "no placement or enrolment" in out
    assert "line 3: date: " in out
    assert "line 4: upn: " in out


def test_import_header_problems(dual, tmp_path):
    path = write_csv(tmp_path, "pupil,date,session,code\nX,2025-10-06,AM,/\n")
    code, out = run("import_attendance", str(path), "--setting", dual.provider.urn)
    assert code == 1 and out.startswith("line 1: header: missing upn")


def test_import_withdrawn_codes_are_mapped_and_flagged(dual, tmp_path):
    upn = dual.learner.upn
    path = write_csv(tmp_path, f"upn,date,session,code\n{upn},2025-10-06,AM,H\n"
                               f"{upn},2025-10-07,AM,J\n")
    code, out = run("import_attendance", str(path), "--setting", dual.provider.urn)
    assert code == 0
    assert "codes withdrawn in 2024 (H: 1, J: 1)" in out
    h = AttendanceMark.objects.get(setting=dual.provider, date=MON)
    assert (h.code, h.supplied_code, h.needs_review) == ("C", "H", True)
    j = AttendanceMark.objects.get(setting=dual.provider, date=TUE)
    assert (j.code, j.supplied_code, j.needs_review) == ("J1", "J", False)


def test_import_dry_run_writes_nothing(dual, tmp_path):
    path = write_csv(tmp_path, f"upn,date,session,code\n{dual.learner.upn},2025-10-06,AM,/\n")
    code, out = run("import_attendance", str(path), "--setting", dual.provider.urn, "--dry-run")
    assert code == 0 and "would be created" in out and "Dry run" in out
    assert not AttendanceMark.objects.exists()


def test_import_twice_changes_nothing_then_amends(dual, tmp_path):
    upn = dual.learner.upn
    path = write_csv(tmp_path, f"upn,date,session,code\n{upn},2025-10-06,AM,N\n")
    run("import_attendance", str(path), "--setting", dual.provider.urn)
    code, out = run("import_attendance", str(path), "--setting", dual.provider.urn)
    assert code == 0 and "0 marks were created, 0 amended, 1 unchanged" in out
    path = write_csv(tmp_path, f"upn,date,session,code\n{upn},2025-10-06,AM,I\n", "fix.csv")
    code, out = run("import_attendance", str(path), "--setting", dual.provider.urn)
    mark = AttendanceMark.objects.get(setting=dual.provider)
    assert "1 amended" in out and mark.code == "I"
    assert mark.amendments.get().reason == "Corrected by the import of fix.csv"


def test_import_xlsx_with_date_cells(dual, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["UPN", "Date", "Session", "Code"])
    sheet.append([dual.learner.upn, date(2025, 10, 6), "AM", "/"])
    sheet.append([dual.learner.upn, "07/10/2025", "AM", "L"])
    path = tmp_path / "marks.xlsx"
    book.save(path)
    code, out = run("import_attendance", str(path), "--setting", dual.provider.urn)
    assert code == 0 and "2 marks were created" in out


def test_import_unknown_setting(tmp_path, world):
    path = write_csv(tmp_path, "upn,date,session,code\n")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--setting: no establishment"):
        call_command("import_attendance", str(path), "--setting", "999999")


def test_summary_json_object(dual, provider_staff):
    from aptrack.attendance.services import attendance_marks_record

    attendance_marks_record(actor=provider_staff, today=date(2025, 10, 8), marks=[
        {"learner": dual.learner_id, "setting": dual.provider_id, "date": d, "session": "AM",
         "code": c} for d, c in ((MON, "/"), (TUE, "O"))])
    code, out = run("attendance_summary", dual.learner.upn, "--format", "json")
    assert code == 0
    assert json.loads(out) == {
        "possible": 2, "present": 1, "approved_activity": 0, "authorised": 0,
        "unauthorised": 1, "not_counted": 2, "attendance_rate": 0.5, "absence_rate": 0.5,
        "persistent_absence": True, "severe_absence": True}
    code, out = run("attendance_summary", dual.learner.upn, "--from", "2025-10-07", "--setting",
                    dual.provider.urn, "--format", "json")
    assert json.loads(out)["possible"] == 1 and json.loads(out)["unauthorised"] == 1


def test_summary_of_no_marks_has_null_rates(dual):
    code, out = run("attendance_summary", dual.learner.upn, "--format", "json")
    data = json.loads(out)
    assert data["possible"] == 0 and data["attendance_rate"] is None
    assert data["absence_rate"] is None


def test_the_installed_command_exits_1_on_a_bad_file(tmp_path):
    """The real console script, in its own process, on its own database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "aptrack.settings.test",
           "APTRACK_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    aptrack = str(Path(sys.executable).parent / "aptrack")
    subprocess.run([aptrack, "migrate", "-v0"], env=env, check=True, timeout=300)
    subprocess.run([aptrack, "shell", "-c",
                    "from aptrack.directory.models import Establishment, LocalAuthority; "
                    "la = LocalAuthority.objects.create(code='332', name='LA'); "
                    "Establishment.objects.create(la=la, name='PRU', kind='pru', urn='990201', "
                    "registration_status='registered_school')"],
                   env=env, check=True, timeout=300, capture_output=True)
    bad = tmp_path / "bad.csv"
    bad.write_text("upn,date,session,code\nNOTAUPN,2025-10-06,AM,/\n")
    done = subprocess.run([aptrack, "import_attendance", str(bad), "--setting", "990201"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("line 2: upn: ")
