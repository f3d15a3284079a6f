"""Locust journeys for ``bench/suites/load.py`` (headless, loopback, bounded in time).

Configuration comes from ``BENCH_LOCUST`` (JSON written by the suite): for each kind of user,
session keys of signed-in sessions and learner ids in scope; and a register day. Three kinds of
people, weighted as they use the service: LA officers (dashboard, learners, a learner's record
and attendance), school DSLs (home page, a pupil's record, the register, reconciliation) and
provider staff (home page, the register, saving it with everyone present). Users start signed in
(sessions opened by the suite). ``FloorUser`` requests only the sign-in page: the baseline run.
"""

from __future__ import annotations

import json
import os
import random
from typing import Any

from locust import HttpUser, between, task

CONFIG: dict[str, Any] = json.loads(os.environ.get("BENCH_LOCUST", "{}"))


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(0.5, 1.5)
    role = ""
    started = 0

    def on_start(self) -> None:
        """Start signed in: each user takes one of the sessions the suite opened beforehand
        (people sign in once a day; the cost of signing in is measured in bench/suites/pages.py
        and would otherwise swamp the run: Argon2 takes 100 MiB and most of a core each)."""
        me = CONFIG[self.role]
        self.learners = me["learners"] or [0]
        sessions = me["sessions"]
        SignedIn.started += 1
        self.client.cookies.set("sessionid", sessions[SignedIn.started % len(sessions)])

    def pick(self) -> int:
        return random.choice(self.learners)  # noqa: S311 - load test, not security


class LAOfficer(SignedIn):
    weight = 6
    role = "la"

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/", name="/ (LA dashboard)")

    @task(2)
    def learners(self) -> None:
        self.client.get("/learners/", name="/learners/")

    @task(4)
    def learner(self) -> None:
        self.client.get(f"/learners/{self.pick()}/", name="/learners/<id>/")

    @task(2)
    def attendance(self) -> None:
        self.client.get(f"/attendance/learners/{self.pick()}/",
                        name="/attendance/learners/<id>/")

    @task(1)
    def overview(self) -> None:
        self.client.get("/attendance/", name="/attendance/")


class SchoolDSL(SignedIn):
    weight = 3
    role = "school"

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="/ (school)")

    @task(3)
    def pupil(self) -> None:
        self.client.get(f"/learners/{self.pick()}/", name="/learners/<id>/")

    @task(1)
    def reconcile(self) -> None:
        self.client.get("/attendance/reconcile/", name="/attendance/reconcile/")


class ProviderStaff(SignedIn):
    weight = 1
    role = "provider"

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="/ (provider)")

    @task(2)
    def register(self) -> None:
        day = CONFIG["register_day"]
        self.client.get(f"/attendance/register/?date={day}&session=PM",
                        name="/attendance/register/")

    @task(1)
    def save_register(self) -> None:
        day = CONFIG["register_day"]
        self.client.get(f"/attendance/register/?date={day}&session=PM",
                        name="/attendance/register/")
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post("/attendance/register/", name="/attendance/register/ (POST)",
                              data={"date": day, "session": "PM", "action": "all_present",
                                    "csrfmiddlewaretoken": token},
                              catch_response=True, allow_redirects=False) as response:
            if response.status_code != 302:
                response.failure(f"register save answered {response.status_code}")


class FloorUser(HttpUser):
    """The baseline: the sign-in page only (no data read)."""

    wait_time = between(0.5, 1.5)

    @task
    def sign_in_page(self) -> None:
        self.client.get("/sign-in/", name="/sign-in/")
