"""Benchmark: PDF reports built from worst-case text against the same reports in ordinary prose.

    .venv/bin/python -m tests.benchmarks.long_text [--teams 8] [--renders 3]

Builds two partnerships alike in every way but their text, on a fresh SQLite database in a
temporary folder: the same checklist, the same number of teams, every team submitted with every
item Red or Amber (so every answer reaches the gap report's appendix), and every field people
type at its limit: names of 200 characters, evidence and next steps of 2,000. In one, that text is
ordinary prose; in the other, it has no spaces at all (a row of dashes, a pasted list of URLs, one
huge word). It renders the gap report and a team report of each, alternating them so both meet
the same machine, and prints the median times and their ratio.
Target: worst-case text within 2 times the time of prose, for both reports.
"""

import argparse
import datetime
import io
import statistics
import subprocess
import sys
import tempfile
import time

from tests.benchmarks.scratch import ROOT, scratch_environment

NAME_LIMIT = 200
TEXT_LIMIT = 2000
PROSE = (
    "Most of the team completed the infant mental health e-learning this year and discuss "
    "a family in supervision each month; newer staff have not yet had the training. "
)
UNBROKEN = [
    "-",
    "x",
    "https://example.org/training/infant-mental-health/module-1?session=2026&cohort=north;",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
]


def at_limit(kind: str, limit: int, seed: int) -> str:
    pattern = PROSE if kind == "prose" else UNBROKEN[seed % len(UNBROKEN)]
    text = (f"{seed} " if kind == "prose" else str(seed)) + pattern * (limit // len(pattern) + 1)
    return text[:limit].strip()


def build(kind: str, teams: int) -> tuple[int, int]:
    """A partnership whose every typed field is at its limit; returns (round id, assessment id)."""
    from django.utils import timezone

    from assessments.models import Assessment, Rating, Round
    from checklists.models import Checklist
    from partnerships.models import Organisation, Partnership, Sector, Team, TeamType

    checklist = Checklist.objects.get()
    items = list(checklist.items.all())
    partnership = Partnership.objects.create(name=at_limit(kind, NAME_LIMIT, 0))
    organisations = [
        Organisation.objects.create(
            partnership=partnership,
            name=at_limit(kind, NAME_LIMIT, n + 1),
            sector=list(Sector)[n % len(Sector)],
        )
        for n in range(3)
    ]
    today = timezone.localdate()
    round_ = Round.objects.create(
        partnership=partnership,
        checklist=checklist,
        name=at_limit(kind, NAME_LIMIT, 7),
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=30),
    )
    ratings: list[Rating] = []
    assessment = None
    for number in range(teams):
        team = Team.objects.create(
            organisation=organisations[number % len(organisations)],
            name=at_limit(kind, NAME_LIMIT, 100 + number),
            team_type=list(TeamType)[number % len(TeamType)],
            headcount=10,
        )
        assessment = Assessment.objects.create(
            team=team, round=round_, status="submitted", submitted_at=timezone.now()
        )
        ratings.extend(
            Rating(
                assessment=assessment,
                item=item,
                rag=("red", "amber")[index % 2],
                evidence=at_limit(kind, TEXT_LIMIT, number * 100 + index),
                next_step=at_limit(kind, TEXT_LIMIT, number * 100 + index + 50),
            )
            for index, item in enumerate(items)
        )
    Rating.objects.bulk_create(ratings)
    assert assessment is not None
    return round_.pk, assessment.pk


def measure(teams: int, renders: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from pypdf import PdfReader

    from assessments.models import Assessment, Round
    from reports import pdf, reports

    call_command("migrate", verbosity=0)
    call_command("loaddata", ROOT / "fixtures" / "checklist.json", verbosity=0)
    built = {kind: build(kind, teams) for kind in ("prose", "worst")}

    def gap_report(kind: str) -> bytes:
        round_ = Round.objects.select_related("partnership", "checklist").get(pk=built[kind][0])
        return pdf.gap_report(data=reports.round_data(round=round_))

    def team_report(kind: str) -> bytes:
        assessment = Assessment.objects.select_related(
            "team__organisation", "round__checklist", "round__partnership"
        ).get(pk=built[kind][1])
        return pdf.team_report(assessment=assessment)

    print(f"{teams} teams, every field at its limit, median of {renders} renders each:")
    print(f"{'report':<14}{'prose s':>9}{'worst s':>9}{'ratio':>8}{'pages':>12}")
    for name, render in (("gap report", gap_report), ("team report", team_report)):
        times: dict[str, list[float]] = {"prose": [], "worst": []}
        pages: dict[str, int] = {}
        for _ in range(renders):
            for kind in ("prose", "worst"):  # alternated, so both meet the same machine
                start = time.perf_counter()
                content = render(kind)
                times[kind].append(time.perf_counter() - start)
                pages[kind] = len(PdfReader(io.BytesIO(content)).pages)
        prose, worst = (statistics.median(times[kind]) for kind in ("prose", "worst"))
        print(
            f"{name:<14}{prose:>9.2f}{worst:>9.2f}{worst / prose:>8.2f}"
            f"{pages['prose']:>6} / {pages['worst']:<4}",
            flush=True,
        )
    print("target: ratio <= 2 for both reports")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--teams", type=int, default=8)
    parser.add_argument("--renders", type=int, default=3)
    parser.add_argument("--here", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.here:
        measure(options.teams, options.renders)
        return
    with tempfile.TemporaryDirectory() as folder:
        env = scratch_environment(folder)
        command = [sys.executable, "-m", "tests.benchmarks.long_text", "--here"]
        command += ["--teams", str(options.teams), "--renders", str(options.renders)]
        subprocess.run(command, cwd=ROOT, env=env, check=True)  # noqa: S603


if __name__ == "__main__":
    main()
