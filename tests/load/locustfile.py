"""Locust users for the load test: practitioners opening and saving their team's assessment
(several to one assessment, so conflicts happen), and leads on their home page, the dashboard
and the downloads. Run it through tests/load/run.py, which prepares the people and the server
and checks the database afterwards; it reads:

    LOAD_USERS   the JSON file of people and session keys that tests.load.data prepare wrote
    LOAD_LOG     where to append one line per save sent and per answer (JSON lines)
    LOAD_RATE    requests per second each simulated person offers

Every task is one request, so the offered rate is the number of people times LOAD_RATE.
"""

import itertools
import json
import os
import random
import threading
from typing import Any

from locust import HttpUser, constant_throughput, task

from tests.load.server import CSRF_SECRET, form_fields, section_links

PEOPLE = json.loads(open(os.environ["LOAD_USERS"]).read())  # noqa: SIM115, PTH123
LOG_PATH = os.environ["LOAD_LOG"]
RATE = float(os.environ.get("LOAD_RATE", "2"))
_practitioners = itertools.cycle(PEOPLE["practitioners"])
_leads = itertools.cycle(PEOPLE["leads"])
_log_lock = threading.Lock()


def log(**entry: Any) -> None:
    with _log_lock, open(LOG_PATH, "a") as file:  # noqa: PTH123
        file.write(json.dumps(entry) + "\n")


class Practitioner(HttpUser):
    weight = len(PEOPLE["practitioners"])
    wait_time = constant_throughput(RATE)

    def on_start(self) -> None:
        me = next(_practitioners)
        self.number, self.assessment = me["number"], me["assessment"]
        self.client.headers["Cookie"] = me["cookie"]
        self.page: dict[str, str] | None = None
        self.sections: list[str] = []
        self.section = ""
        self.saves = 0

    @task(1)
    def task_list(self) -> None:
        with self.client.get(
            f"/assessments/{self.assessment}/", name="task list", catch_response=True
        ) as response:
            self.sections = section_links(response.text) if response.status_code == 200 else []
            if not self.sections:
                response.failure(f"no task list (HTTP {response.status_code})")

    @task(3)
    def open_assessment(self) -> None:
        """Open one of the assessment's sections, as a person would from the task list."""
        if not self.sections:
            self.task_list()
            return
        self.section = random.choice(self.sections)  # noqa: S311
        with self.client.get(self.section, name="section page", catch_response=True) as response:
            self.page = form_fields(response.text) if response.status_code == 200 else None
            if self.page is None:
                response.failure(f"no section form (HTTP {response.status_code})")

    @task(2)
    def save(self) -> None:
        """Change one item of the section last opened, as a person would, and save it."""
        if self.page is None:
            self.open_assessment()
            return
        data, self.page = self.page, None  # after a save, the page must be opened again
        items = sorted({key.rsplit("-", 1)[0] for key in data if key.startswith("item-")})
        item = random.choice(items)  # noqa: S311
        self.saves += 1
        marker = f"load test {self.number}-{self.saves}"
        data[f"{item}-rag"] = random.choice(["red", "amber", "green"])  # noqa: S311
        data[f"{item}-evidence"] = marker
        data["csrfmiddlewaretoken"] = CSRF_SECRET
        log(event="sent", marker=marker, assessment=self.assessment, item=item)
        outcome = "unknown"
        try:
            with self.client.post(
                self.section,
                data=data,
                name="save",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                status, location = response.status_code, response.headers.get("Location", "")
                if status == 302 and location == f"/assessments/{self.assessment}/":
                    outcome = "saved"  # Save and return to the task list
                elif status == 409:  # someone saved first: the conflict page, nothing written
                    outcome = "conflict"
                    response.success()
                elif status == 302:  # back to the section with a message: nothing written
                    outcome = "refused"
                else:
                    response.failure(f"save answered HTTP {status}")
        finally:
            log(event="answer", marker=marker, outcome=outcome)

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="home")


class Lead(HttpUser):
    weight = len(PEOPLE["leads"])
    wait_time = constant_throughput(RATE)

    def on_start(self) -> None:
        self.client.headers["Cookie"] = next(_leads)["cookie"]
        self.round = PEOPLE["round"]
        self.take_earlier = False

    @task(8)
    def home(self) -> None:
        self.client.get("/", name="home")

    @task(8)
    def dashboard(self) -> None:
        self.client.get(f"/rounds/{self.round}/", name="dashboard")

    @task(2)
    def ratings_csv(self) -> None:
        self.client.get(f"/rounds/{self.round}/ratings.csv", name="ratings.csv")

    @task(1)
    def gap_report(self) -> None:
        """The board paper: the current one, or the page saying it is being prepared. A lead
        offered the last paper made takes it the next time, as one who needs a paper now would
        (one request a task, so that the offered rate holds)."""
        url = f"/rounds/{self.round}/gap-report.pdf"
        if self.take_earlier:
            self.take_earlier = False
            with self.client.get(
                f"{url}?earlier=1", name="gap-report.pdf (last made)", catch_response=True
            ) as response:
                if not response.headers.get("Content-Type", "").startswith("application/pdf"):
                    response.failure("the last paper made was offered but not served")
            return
        with self.client.get(url, name="gap-report.pdf", catch_response=True) as response:
            if response.headers.get("Content-Type", "").startswith("application/pdf"):
                return
            if "being prepared" not in response.text:
                status = response.status_code
                response.failure(f"neither a paper nor 'being prepared' (HTTP {status})")
            self.take_earlier = "earlier=1" in response.text
