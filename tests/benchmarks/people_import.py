"""Benchmark: importing a whole partnership from a spreadsheet.

    .venv/bin/python -m tests.benchmarks.people_import [--people 5000] [--teams 200] [--runs 3]

Makes a CSV of that many people in that many teams (in 20 organisations, every person new), on a
fresh SQLite database in a temporary folder with production settings (or the PostgreSQL database
BENCH_DATABASE_URL names; it is made afresh). Then, for each run on an empty partnership:

- the import itself, as `manage.py import_people` does it: read, check, plan and apply, with the
  number of queries each step makes, for the full file and for a fifth of it, so that queries
  growing with the rows would show;
- the lead's way, through the pages: upload (read, check and plan), open the preview, confirm.

It prints the median of the runs. Targets: the import under 10 s, with the same number of
queries per batch of 500 rows whatever the file's size; upload, preview and confirm under 20 s
in all. The invitations are queued (one task per hundred people), not sent: sending is the
worker's, measured by the reminders benchmark.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from tests.benchmarks.scratch import ROOT, scratch_environment
from tests.load.server import fresh_database


def people_csv(people: int, teams: int) -> bytes:
    lines = ["organisation,sector,team,team_type,headcount,first_name,last_name,email,role"]
    for number in range(people):
        team = number % teams
        organisation = team % 20
        lines.append(
            f"Organisation {organisation},NHS health,Team {team},Health visiting,25,"
            f"First{number},Last{number},person{number}@example.org,"
            f"{'team lead' if number < teams else 'member'}"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


def measure(people: int, teams: int, runs: int) -> None:
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from partnerships import imports, tasks
    from partnerships.models import Invitation, Partnership, PartnershipLead

    call_command("migrate", verbosity=0)
    lead = User.objects.create_user("bench.lead@example.org", "bench-password-2026")
    full, fifth = people_csv(people, teams), people_csv(people // 5, teams // 5)

    def fresh(name: str) -> Partnership:
        partnership = Partnership.objects.create(name=name)
        PartnershipLead.objects.create(user=lead, partnership=partnership)
        return partnership

    def timed(step: Callable[[], object]) -> tuple[float, int, object]:
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            result = step()
            took = time.perf_counter() - start
        return took, len(queries), result

    def by_command(data: bytes, partnership: Partnership) -> dict[str, tuple[float, int]]:
        read = timed(lambda: imports.check(imports.read(data)))
        checked: tuple[list[imports.Row], list[imports.Problem]] = read[2]  # type: ignore[assignment]
        rows, problems = checked
        assert problems == [], problems[:3]
        planned = timed(lambda: imports.plan(partnership, rows))
        applied = timed(lambda: imports.apply(partnership, rows, by=lead))
        return {
            "read and check": read[:2],
            "plan": planned[:2],
            "apply": applied[:2],
        }

    client = Client()
    client.force_login(lead)

    def by_pages(data: bytes, partnership: Partnership) -> dict[str, float]:
        url = reverse("partnerships:import-people", args=[partnership.pk])
        start = time.perf_counter()
        upload = client.post(url, {"file": SimpleUploadedFile("people.csv", data)})
        uploaded = time.perf_counter()
        assert upload.status_code == 302, upload.status_code
        preview = client.get(upload["Location"])
        previewed = time.perf_counter()
        assert b"Confirm and import" in preview.content
        marker = b'name="fingerprint" value="'
        fingerprint = preview.content.split(marker)[1].split(b'"')[0].decode()
        done = client.post(upload["Location"] + "confirm/", {"fingerprint": fingerprint})
        confirmed = time.perf_counter()
        assert done.status_code == 302, done.status_code
        return {
            "upload": uploaded - start,
            "preview": previewed - uploaded,
            "confirm": confirmed - previewed,
            "in all": confirmed - start,
        }

    command: dict[str, list[tuple[float, int]]] = {}
    small: dict[str, list[tuple[float, int]]] = {}
    pages: dict[str, list[float]] = {}
    for run in range(runs):
        for step, figures in by_command(fifth, fresh(f"Fifth {run}")).items():
            small.setdefault(step, []).append(figures)
        for step, figures in by_command(full, fresh(f"Command {run}")).items():
            command.setdefault(step, []).append(figures)
        for step, seconds in by_pages(full, fresh(f"Pages {run}")).items():
            pages.setdefault(step, []).append(seconds)
    invited = Invitation.objects.filter(partnership__name="Command 0").count()
    assert invited == people, invited
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.count()

    engine = connection.vendor
    print(f"{people:,} people in {teams} teams, every one new, on {engine}; median of {runs} runs")
    print(f"\nThe import ({people // 5:,} people / {people:,} people):")
    print(f"{'step':<16}{'seconds':>18}{'queries':>16}{'more per 500 rows':>20}")
    total = 0.0
    for step in command:
        seconds = statistics.median(s for s, _ in command[step])
        small_seconds = statistics.median(s for s, _ in small[step])
        queries, small_queries = command[step][0][1], small[step][0][1]
        batches = max(1, -(-people // imports.BATCH))
        small_batches = max(1, -(-(people // 5) // imports.BATCH))
        total += seconds
        print(
            f"{step:<16}{small_seconds:>8.2f} / {seconds:>6.2f}"
            f"{small_queries:>8} / {queries:<6}"
            f"{(queries - small_queries) / (batches - small_batches):>14.1f}"
        )
    print(f"{'in all':<16}{'':>8}   {total:>6.2f}   (target: under 10 s)")
    print(f"{queued:,} e-mail tasks queued in all runs ({tasks.EMAILS_PER_TASK} people each)")
    print("\nThe lead's pages, the whole file:")
    for step, seconds_list in pages.items():
        print(f"{step:<16}{statistics.median(seconds_list):>8.2f} s")
    print("target: upload, preview and confirm under 20 s in all")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--here", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.here:
        measure(options.people, options.teams, options.runs)
        return
    with tempfile.TemporaryDirectory() as folder:
        env = scratch_environment(folder)
        if os.environ.get("BENCH_DATABASE_URL"):
            env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
            fresh_database(env["DATABASE_URL"])
        command = [sys.executable, "-m", "tests.benchmarks.people_import", "--here"]
        command += ["--people", str(options.people), "--teams", str(options.teams)]
        command += ["--runs", str(options.runs)]
        subprocess.run(command, cwd=ROOT, env=env, check=True)  # noqa: S603


if __name__ == "__main__":
    main()
