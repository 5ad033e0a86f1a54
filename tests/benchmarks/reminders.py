"""Benchmark: sending a reminder to every member of a large round's teams.

    .venv/bin/python -m tests.benchmarks.reminders [--people 2000] [--teams 100] [--runs 3]

Makes a partnership of that many people in that many teams, with an open round that none of them
has submitted, on a fresh SQLite database in a temporary folder with production settings (or the
PostgreSQL database BENCH_DATABASE_URL names; it is made afresh), e-mail going to Django's
in-memory (locmem) backend. Each run sends a new "send now" reminder to all of them, as the
worker does (`assessments.tasks.send_reminder`): who is waiting, the claims, the e-mails built
from their templates and handed to the backend. It does the same for a fifth of the people, so
that queries growing with the number of people would show. Prints the median of the runs.

Target: 2,000 reminder e-mails under 10 s, with the same number of queries for each batch of
people claimed at once (tasks.REMINDERS_PER_CLAIM) whatever the size.
"""

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time

from tests.benchmarks.scratch import ROOT, scratch_environment
from tests.load.server import fresh_database


def measure(people: int, teams: int, runs: int) -> None:
    import django

    django.setup()
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone

    from accounts.models import User
    from assessments import tasks
    from assessments.models import Reminder, ReminderDelivery, Round
    from checklists.models import Checklist
    from partnerships.models import Organisation, Partnership, Team, TeamMembership

    call_command("migrate", verbosity=0)
    call_command("loaddata", str(ROOT / "fixtures" / "checklist.json"), verbosity=0)
    checklist = Checklist.objects.get(status=Checklist.Status.PUBLISHED)
    today = timezone.localdate()

    def partnership_of(size: int, team_count: int, name: str) -> Round:
        partnership = Partnership.objects.create(name=name)
        organisation = Organisation.objects.create(
            partnership=partnership, name=f"{name} NHS Trust", sector="nhs_health"
        )
        made = Team.objects.bulk_create(
            Team(organisation=organisation, name=f"Team {n}", team_type="health_visiting")
            for n in range(team_count)
        )
        users = User.objects.bulk_create(
            User(email=f"{name.lower()}.{n}@example.org", full_name=f"Person {n}")
            for n in range(size)
        )
        TeamMembership.objects.bulk_create(
            TeamMembership(user=user, team=made[n % team_count]) for n, user in enumerate(users)
        )
        return Round.objects.create(
            partnership=partnership,
            checklist=checklist,
            name=f"{name} round",
            opens_on=today - datetime.timedelta(days=10),
            closes_on=today + datetime.timedelta(days=20),
        )

    def send(round_: Round) -> tuple[float, int, int]:
        ReminderDelivery.objects.filter(round=round_).delete()  # a new day, as far as it knows
        reminder = Reminder.objects.create(round=round_, kind=Reminder.Kind.REMINDER, send_on=today)
        mail.outbox = []
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            sent = tasks.send_reminder.call(reminder.pk)
            took = time.perf_counter() - start
        assert sent == len(mail.outbox), (sent, len(mail.outbox))
        return took, len(queries), sent

    whole = partnership_of(people, teams, "Whole")
    fifth = partnership_of(people // 5, max(1, teams // 5), "Fifth")
    results: dict[str, list[tuple[float, int, int]]] = {"fifth": [], "whole": []}
    locmem = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    with override_settings(MAILERS=locmem, SITE_URL="https://toolkit.example.org"):
        for _ in range(runs):
            results["fifth"].append(send(fifth))
            results["whole"].append(send(whole))

    per_claim = tasks.REMINDERS_PER_CLAIM
    (_, small_queries, small_sent), (_, queries, sent) = results["fifth"][0], results["whole"][0]
    claims, small_claims = -(-sent // per_claim), -(-small_sent // per_claim)
    print(f"A reminder to every member of an open round, on {connection.vendor}; median of {runs}")
    print(f"{'people':>8}{'e-mails':>9}{'seconds':>9}{'queries':>9}")
    for key in ("fifth", "whole"):
        took = statistics.median(seconds for seconds, _, _ in results[key])
        _, count, emails = results[key][0]
        print(f"{emails:>8,}{emails:>9,}{took:>9.2f}{count:>9}")
    print(
        f"queries more for each further {per_claim} people: "
        f"{(queries - small_queries) / (claims - small_claims):.1f}"
    )
    print("target: 2,000 e-mails under 10 s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--teams", type=int, default=100)
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
        command = [sys.executable, "-m", "tests.benchmarks.reminders", "--here"]
        command += ["--people", str(options.people), "--teams", str(options.teams)]
        command += ["--runs", str(options.runs)]
        subprocess.run(command, cwd=ROOT, env=env, check=True)  # noqa: S603


if __name__ == "__main__":
    main()
