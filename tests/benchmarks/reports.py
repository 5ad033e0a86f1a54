"""Benchmark: the board paper (the gap report PDF) and the lead's dashboard at 10, 40 and 200
teams.

    .venv/bin/python -m tests.benchmarks.reports [--sizes 10 40 200] [--save-pdf FOLDER]

Each size runs in its own process (so peak memory is that size's own), on a fresh SQLite
database in a temporary folder, with the toolkit checklist, a previous and a current round,
four in five teams submitted with evidence and next steps, and 20 actions in the current round
(one in four with a status note; --actions 200 for the issue's edge case). Prints, per size:
- the board paper's render time (the median of three renders in one process, and the first of
  them on its own, which also pays WeasyPrint's one-off start-up) and its page count;
- the background render: from a change committed (an action added) to the round's paper kept
  and current, with the render task run as soon as it is queued (median of three; a worker
  polling its queue adds its polling interval to this);
- a download of the current paper (server time, median of 10);
- the process's peak memory, the dashboard's server time (median of 5), and a team report's
  download, rendered on request (server time, median of 3).
Targets on 2 cores: the background render within 1.5 s at 40 teams and 6 s at 200, and no
slower than the report before the board paper's sections (compare in one run, see the README);
a download of a current paper under 200 ms at 200 teams; peak memory under 400 MB; dashboard
under 150 ms at 200 teams. A team report is a few pages whatever the partnership's size, so it is
rendered on request; it should stay under a second at 200 teams.
"""

import argparse
import datetime
import io
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.scratch import ROOT, scratch_environment


def measure(teams: int, actions: int = 20, save: str = "") -> dict[str, float]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client, override_settings
    from django.urls import reverse
    from django.utils import timezone
    from pypdf import PdfReader

    from accounts.models import User
    from assessments.models import Action, Assessment, Rating, Round
    from checklists.models import Checklist, Rag
    from partnerships.models import (
        Organisation,
        Partnership,
        PartnershipLead,
        Sector,
        Team,
        TeamType,
    )
    from reports import pdf, reports
    from reports.models import ReportFile

    call_command("migrate", verbosity=0)
    call_command("loaddata", ROOT / "fixtures" / "checklist.json", verbosity=0)
    checklist = Checklist.objects.get()
    items = list(checklist.items.all())
    rng = random.Random(teams)  # noqa: S311
    partnership = Partnership.objects.create(name=f"Benchmark partnership of {teams} teams")
    organisations = [
        Organisation.objects.create(
            partnership=partnership, name=f"Organisation {n}", sector=list(Sector)[n % 6]
        )
        for n in range(max(3, teams // 8))
    ]
    today = timezone.localdate()
    previous = Round.objects.create(
        partnership=partnership,
        checklist=checklist,
        name="Last year",
        opens_on=today.replace(year=today.year - 1),
        closes_on=today.replace(year=today.year - 1) + datetime.timedelta(days=60),
    )
    current = Round.objects.create(
        partnership=partnership,
        checklist=checklist,
        name="This year",
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=30),
    )
    ratings = []
    for number in range(teams):
        team = Team.objects.create(
            organisation=organisations[number % len(organisations)],
            name=f"Team {number:03d}",
            team_type=list(TeamType)[number % len(TeamType)],
            headcount=rng.choice([None, 5, 12, 30]),
        )
        for round_ in (previous, current):
            if rng.random() < 0.2:
                continue
            assessment = Assessment.objects.create(
                team=team,
                round=round_,
                status="submitted",
                submitted_at=timezone.now(),
            )
            for item in items:
                rag = rng.choice(Rag.colours())
                ratings.append(
                    Rating(
                        assessment=assessment,
                        item=item,
                        rag=rag,
                        evidence="Training records and supervision notes show this. " * 2,
                        next_step="Book the remaining staff on to the spring course.",
                    )
                )
    Rating.objects.bulk_create(ratings)
    lead = User.objects.create_user("bench-lead@example.org", "x-benchmark-password")
    PartnershipLead.objects.create(user=lead, partnership=partnership)
    for number in range(actions):
        action = Action.objects.create(
            partnership=partnership,
            round=current,
            item_code=items[number % len(items)].code,
            what=f"Action {number}: run a half-day session on the item for the teams rating it "
            "Red, with the parent-infant team.",
            owner_name="Training lead",
            due_on=today + datetime.timedelta(days=number - 50),
            measure="No team rates the item Red next year.",
        )
        if number % 4 == 0:
            action.change_status(status="in_progress", note="Started", by=lead, version=0)

    renders = []
    for _ in range(3):
        start = time.perf_counter()
        content = pdf.gap_report(data=reports.round_data(round=current))
        renders.append(time.perf_counter() - start)
    pages = len(PdfReader(io.BytesIO(content)).pages)
    if save:  # to look at, page by page
        Path(save, f"board-paper-{teams}-teams.pdf").write_bytes(content)

    background = []
    immediate = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=immediate):
        for number in range(3):
            # As after the worker's earlier renders, over a minute ago: nothing queued.
            ReportFile.objects.filter(round=current).update(
                render_queued_at=None, render_started_at=None
            )
            start = time.perf_counter()
            with transaction.atomic():  # the change; its commit queues the render
                Action.objects.create(
                    partnership=partnership,
                    round=current,
                    item_code=items[0].code,
                    what=f"Triggering change {number}",
                    owner_name="Lead",
                )
            background.append(time.perf_counter() - start)
            paper = ReportFile.objects.get(round=current, scope="")
            assert paper.is_current(Round.objects.get(pk=current.pk)), "not rendered on change"

    client = Client()
    client.force_login(lead)
    paper_url = reverse("reports:gap-report", args=[current.pk])
    downloads = []
    for _ in range(10):
        start = time.perf_counter()
        response = client.get(paper_url)
        downloads.append(time.perf_counter() - start)
        assert response["Content-Type"] == "application/pdf", "the current paper not served"
    url = reverse("reports:dashboard", args=[current.pk])
    client.get(url)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        assert client.get(url).status_code == 200
        times.append(time.perf_counter() - start)
    team_report = reverse(
        "reports:team-report",
        args=[Assessment.objects.filter(round=current, status="submitted").earliest("pk").pk],
    )
    team_reports = []
    for _ in range(3):
        start = time.perf_counter()
        assert client.get(team_report)["Content-Type"] == "application/pdf"
        team_reports.append(time.perf_counter() - start)
    if save:
        Path(save, f"team-report-{teams}-teams.pdf").write_bytes(client.get(team_report).content)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "teams": teams,
        "render_s": statistics.median(renders),
        "background_s": statistics.median(background),
        "download_ms": statistics.median(downloads) * 1000,
        "first_render_s": renders[0],
        "pages": pages,
        "peak_mb": peak_mb,
        "dashboard_ms": statistics.median(times) * 1000,
        "team_report_ms": statistics.median(team_reports) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 40, 200])
    parser.add_argument("--actions", type=int, default=20, help="actions in the round")
    parser.add_argument("--save-pdf", default="", help="a folder to keep each size's PDFs in")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.one:
        print(json.dumps(measure(options.one, options.actions, options.save_pdf)))
        return
    rows = []
    save = str(Path(options.save_pdf).resolve()) if options.save_pdf else ""
    for size in options.sizes:
        with tempfile.TemporaryDirectory() as folder:
            env = scratch_environment(folder)
            result = subprocess.run(  # noqa: S603
                [
                    *[sys.executable, "-m", "tests.benchmarks.reports", "--one", str(size)],
                    *["--actions", str(options.actions)],
                    *(["--save-pdf", save] if save else []),
                ],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            rows.append(json.loads(result.stdout.strip().splitlines()[-1]))
            print(f"measured {size} teams", file=sys.stderr, flush=True)
    print(
        f"\n{'teams':>6}{'PDF render s':>14}{'first render s':>16}{'pages':>7}"
        f"{'on change s':>13}{'download ms':>13}{'peak MB':>9}{'dashboard ms':>14}"
        f"{'team report ms':>16}"
    )
    for row in rows:
        print(
            f"{row['teams']:>6}{row['render_s']:>14.2f}{row['first_render_s']:>16.2f}"
            f"{row['pages']:>7}{row['background_s']:>13.2f}{row['download_ms']:>13.0f}"
            f"{row['peak_mb']:>9.0f}{row['dashboard_ms']:>14.0f}{row['team_report_ms']:>16.0f}"
        )
    by_size = {row["teams"]: row for row in rows}
    if 40 in by_size and 200 in by_size:
        print(
            f"\nt200 / t40 = {by_size[200]['render_s'] / by_size[40]['render_s']:.2f} (target <= 5)"
        )


if __name__ == "__main__":
    main()
