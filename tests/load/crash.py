"""Crash test: kill -9 the server in the middle of saves, then check for partial saves and that it
starts again cleanly, on PostgreSQL and on SQLite.

    .venv/bin/python -m tests.load.crash [--trials 30] [--databases postgres sqlite]

For each database it makes a fresh one with the demo partnership (PostgreSQL `imh_crash` on
127.0.0.1:5432, or an SQLite file in a temporary folder), then repeats: start gunicorn with
production settings (one worker) on 127.0.0.1, open the demo practitioner's assessment (its
task list, then its first section), post a save that changes every item of the section, and
after a random delay (between nothing and one and a half times a normal save's duration,
measured first) send SIGKILL to gunicorn's whole process group. It
then reads the database: the assessment must hold either all of the new answers or none of
them, with its history and version agreeing; a save the server acknowledged must be there.
The next trial's start is the restart check (it must serve the page again); at the end a last
ordinary save must succeed, and SQLite's integrity check must pass. Prints what each kill hit
and exits non-zero on any partial save, lost acknowledged save or failed restart.
"""

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from typing import Any
from urllib.parse import urlencode

from tests.load.server import (
    CSRF_SECRET,
    POSTGRES_URL,
    ROOT,
    form_fields,
    free_port,
    prepare_demo,
    production_env,
    section_links,
    signed_in_session,
    start_gunicorn,
    stop,
    wait_until_closed,
)

MARKER = "crash test"


class Site:
    """The demo practitioner's assessment, through HTTP, as their browser would see it."""

    def __init__(self, port: int, cookie: str, assessment: int) -> None:
        self.port, self.assessment = port, assessment
        self.headers = {"Host": "127.0.0.1", "Cookie": cookie}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()

    def form(self) -> dict[str, str]:
        """The first section's form, through the task list as a person would open it."""
        status, page = self.request("GET", f"/assessments/{self.assessment}/")
        links = section_links(page) if status == 200 else []
        if not links:
            raise RuntimeError(f"the task list did not come back (HTTP {status})")
        self.section = links[0]
        status, page = self.request("GET", self.section)
        fields = form_fields(page) if status == 200 else None
        if fields is None:
            raise RuntimeError(f"the section page did not come back (HTTP {status})")
        return fields

    def changed_form(self, label: str) -> tuple[str, list[str]]:
        """A save that changes every item of the section, so a partial save cannot hide."""
        fields = self.form()
        items = sorted({key.rsplit("-", 1)[0] for key in fields if key.startswith("item-")})
        for index, item in enumerate(items):
            fields[f"{item}-rag"] = ("red", "amber", "green")[index % 3]
            fields[f"{item}-evidence"] = f"{MARKER} {label} {item}"
        fields["csrfmiddlewaretoken"] = CSRF_SECRET
        return urlencode(fields), items

    def save(self, body: str) -> int:
        return self.request("POST", self.section, body)[0]


def database_state(assessment: int, label: str) -> tuple[int, int, int]:
    """(ratings holding this trial's answers, history rows of them, the assessment's version)."""
    from django.db import connection

    from assessments.models import Assessment, Rating

    connection.close()  # a new connection each time: nothing cached across a crash
    marker = f"{MARKER} {label} "
    ratings = Rating.objects.filter(assessment_id=assessment, evidence__startswith=marker)
    history = Rating.history.filter(assessment_id=assessment, evidence__startswith=marker)
    version = Assessment.objects.get(pk=assessment).version
    return ratings.count(), history.count(), version


def trial_outcome(
    site: Site, server: subprocess.Popen[bytes], label: str, delay: float
) -> dict[str, Any]:
    body, items = site.changed_form(label)
    before = database_state(site.assessment, label)[2]
    answer: dict[str, Any] = {}

    def post() -> None:
        try:
            answer["status"] = site.save(body)
        except (http.client.HTTPException, OSError) as error:
            answer["error"] = type(error).__name__

    thread = threading.Thread(target=post)
    thread.start()
    time.sleep(delay)
    stop(server, kill=True)
    wait_until_closed(site.port)
    thread.join(timeout=30)
    rows, history, version = database_state(site.assessment, label)
    if rows not in (0, len(items)) or history != rows:
        kind = "partial"
    elif answer.get("status") == 302 and rows == 0:
        kind = "acknowledged but lost"
    elif (version - before) != (1 if rows else 0):
        kind = "version disagrees"
    elif "status" in answer:
        kind = "answered, then killed"
    else:
        kind = "killed after the commit" if rows else "killed before the commit"
    return {"kind": kind, "rows": rows, "items": len(items)}


def run_one(database: str, trials: int) -> bool:
    import django

    django.setup()
    env = dict(os.environ)
    cookie, assessment = signed_in_session(env, "practitioner@example.org")
    port = free_port()
    site = Site(port, cookie, assessment)

    # One worker: the page it serves first also warms it for the save that follows.
    server = start_gunicorn(env, port, "--workers", "1")
    durations = []
    for number in range(6):  # how long an ordinary save takes here, to aim the kills
        body, _ = site.changed_form(f"warm-up {number}")
        start = time.perf_counter()
        if site.save(body) != 302:
            raise RuntimeError("an ordinary save failed before any crash")
        durations.append(time.perf_counter() - start)
    stop(server)
    save_time = statistics.median(durations[1:])  # the first pays for the worker's start
    window = 1.5 * save_time

    rng = random.Random(trials)  # noqa: S311
    kinds: Counter[str] = Counter()
    restart_failures = 0
    for number in range(trials):
        try:
            server = start_gunicorn(env, port, "--workers", "1")
            outcome = trial_outcome(site, server, f"{database} {number}", rng.uniform(0, window))
        except RuntimeError as error:
            restart_failures += 1
            print(f"  trial {number}: {error}", flush=True)
            stop(server, kill=True)
            continue
        kinds[outcome["kind"]] += 1

    server = start_gunicorn(env, port, "--workers", "1")
    body, _ = site.changed_form("after the crashes")
    final_save = site.save(body)
    stop(server)
    integrity = "not applicable"
    if database == "sqlite":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("PRAGMA integrity_check")
            integrity = cursor.fetchone()[0]

    bad = kinds["partial"] + kinds["acknowledged but lost"] + kinds["version disagrees"]
    print(
        f"{database}: {trials} kills within {window * 1000:.0f} ms of posting a save "
        f"(an ordinary save took {save_time * 1000:.0f} ms)"
    )
    for kind in (
        "killed before the commit",
        "killed after the commit",
        "answered, then killed",
        "partial",
        "acknowledged but lost",
        "version disagrees",
    ):
        print(f"  {kind:<26}{kinds[kind]:>4}")
    print(f"  {'restarts that failed':<26}{restart_failures:>4}")
    print(f"  {'save after the crashes':<26}{'HTTP ' + str(final_save):>8}")
    if database == "sqlite":
        print(f"  {'SQLite integrity check':<26}{integrity:>8}")
    return (
        bad == 0
        and restart_failures == 0
        and final_save == 302
        and integrity
        in {
            "ok",
            "not applicable",
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=30, help="kills per database")
    parser.add_argument(
        "--databases", nargs="+", choices=["postgres", "sqlite"], default=["postgres", "sqlite"]
    )
    parser.add_argument("--one", choices=["postgres", "sqlite"], help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.one:
        sys.exit(0 if run_one(options.one, options.trials) else 1)
    passed = True
    for database in options.databases:
        with tempfile.TemporaryDirectory() as folder:
            url = (
                POSTGRES_URL.format(name="imh_crash")
                if database == "postgres"
                else f"sqlite:///{folder}/crash.sqlite3"
            )
            env = production_env(url, LOG_LEVEL="CRITICAL")  # a killed worker is expected
            print(f"Preparing a fresh {database} database with the demo data…", flush=True)
            prepare_demo(env)
            result = subprocess.run(  # noqa: S603
                [sys.executable, "-m", "tests.load.crash", "--one", database]
                + ["--trials", str(options.trials)],
                cwd=ROOT,
                env=env,
                check=False,
            )
            passed = passed and result.returncode == 0
    print("crash test passed" if passed else "CRASH TEST FAILED")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
