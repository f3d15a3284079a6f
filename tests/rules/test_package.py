"""Package-level guarantees of aptrack.rules: no Django, no clock, data loaded from the package."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import aptrack.rules
from aptrack.rules import arrangements, attendance, calendar, clocks, registration, uln, upn

MODULES = (arrangements, attendance, calendar, clocks, registration, uln, upn)
RULES_DIR = Path(aptrack.rules.__file__).parent


def test_importable_without_django() -> None:
    # ARCHITECTURE.md: rules are plain Python. Import in a fresh interpreter and check that
    # nothing pulled Django in.
    code = (
        "import sys\n"
        "from aptrack.rules import upn, uln, arrangements, calendar, clocks, attendance, "
        "registration\n"
        "assert not any(name == 'django' or name.startswith('django.') for name in sys.modules)\n"
    )
    root = str(RULES_DIR.parent.parent)
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": root, "DJANGO_SETTINGS_MODULE": ""},
    )
    assert result.returncode == 0, result.stderr


def _source_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.py"))


def test_no_clock_no_django_no_stray_io() -> None:
    forbidden_calls = {"today", "now", "utcnow", "time", "open"}
    for path in _source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [alias.name for alias in node.names]
                module = getattr(node, "module", None) or ""
                assert not module.startswith("django"), path.name
                assert not any(name.startswith("django") for name in names), path.name
                assert "time" not in names and module != "time", path.name
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                assert name not in forbidden_calls, f"{path.name}: {name}()"


def test_every_public_function_has_a_sourced_docstring() -> None:
    # ARCHITECTURE.md: a docstring on every public function of rules/, citing its source.
    for module in MODULES:
        for name in getattr(module, "__all__", ()):
            item = getattr(module, name)
            if inspect.isfunction(item):
                doc = inspect.getdoc(item) or ""
                assert doc, f"{module.__name__}.{name} has no docstring"
            if inspect.isclass(item):
                assert inspect.getdoc(item), f"{module.__name__}.{name} has no docstring"


def test_rule_functions_cite_an_evidence_level() -> None:
    levels = ("[law]", "[guidance]", "[secondary", "[open", "[law/guidance]")
    cited: list[Callable[..., object]] = [
        upn.check_letter,
        upn.validate,
        upn.is_temporary,
        upn.make,
        uln.validate,
        uln.make,
        arrangements.arrange,
        arrangements.is_school_provider,
        calendar.school_year_of,
        calendar.england_bank_holidays,
        calendar.SchoolCalendar.nth_school_day,
        calendar.SchoolCalendar.is_school_day,
        clocks.provision_due,
        clocks.health_trigger,
        clocks.join_suspensions,
        clocks.off_site_direction_notice_by,
        clocks.off_site_direction_review_required,
        clocks.governing_board_review_by,
        clocks.n_code_follow_up_by,
        clocks.suspension_days_remaining,
        clocks.next_review_due,
        clocks.review_due,
        clocks.unauthorised_absence_return_due,
        attendance.summarise,
        attendance.category_of,
        attendance.is_possible,
        attendance.map_withdrawn,
        registration.must_register,
        registration.assess,
    ]
    for function in cited:
        doc = inspect.getdoc(function) or ""
        assert any(level in doc for level in levels), function.__qualname__
