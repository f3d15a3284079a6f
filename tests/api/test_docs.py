"""Every curl example in docs/api/README.md runs against a live server and prints what the
document says it prints."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from aptrack.api import services
from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.api.urls")]

README = Path(__file__).resolve().parents[2] / "docs" / "api" / "README.md"
EXAMPLE = re.compile(r"```sh\n(?P<script>.*?)```\n\n(?:prints[^\n]*\n\n```text\n"
                     r"(?P<prints>.*?)```)?", re.S)


def examples() -> list[tuple[str, list[str]]]:
    found = [(m["script"], (m["prints"] or "").splitlines())
             for m in EXAMPLE.finditer(README.read_text())]
    assert len(found) >= 6
    return found


def test_every_example_prints_what_the_guide_says(live_server: Any) -> None:
    world = factories.World.build()
    learner = factories.learner(world.school)
    _, token = services.token_create(actor=None, user=world.users["school_dsl"], name="docs")
    env = {**os.environ, "APTRACK": live_server.url, "TOKEN": token,
           "LEARNER": str(learner.pk)}
    for script, prints in examples():
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=env,  # noqa: S607
                             capture_output=True, text=True, timeout=60, check=False)
        assert run.returncode == 0, (script, run.stderr)
        lines = run.stdout.splitlines()
        assert len(lines) == len(prints), (script, run.stdout)
        for got, expected in zip(lines, prints, strict=True):
            assert got.startswith(expected), (script, got, expected)
