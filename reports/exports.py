"""A round's ratings as CSV and Excel: the long format (one row per team and item) and the
per-item summary. Both are built from reports.RoundData, so they agree with the dashboard."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook

from assessments import text
from assessments.models import Rating
from checklists.models import Rag
from partnerships.models import Sector, TeamType

from . import reports

LONG_COLUMNS = [
    "partnership",
    "round",
    "organisation",
    "sector",
    "team",
    "team_type",
    "headcount",
    "item_code",
    "item",
    "rag",
    "evidence",
    "next_step",
    "status",
    "updated_at",
    "updated_by",
]
SUMMARY_COLUMNS = [
    "item_code",
    "item",
    "red",
    "amber",
    "green",
    "unrated",
    "red_share",
    "amber_share",
    "green_share",
]
# A spreadsheet treats a cell starting with one of these as a formula; people's text must not be.
FORMULA_STARTS = ("=", "+", "-", "@", "\t")


def safe(value: Any) -> Any:
    """Every cell passes through here: control characters cleaned (a spreadsheet cannot hold
    them), and text that would start a formula prefixed with an apostrophe. Translatable
    labels (Red, sectors, statuses) become text in the language of the request."""
    if isinstance(value, Promise):
        value = str(value)
    if not isinstance(value, str):
        return value
    value = text.clean(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def long_rows(*, data: reports.RoundData) -> Iterator[list[Any]]:
    """Every team in scope against every item, whatever its status: `status` says whether
    the answer is submitted, in progress or not started (rag `unrated`)."""
    ratings = {
        (rating.assessment_id, rating.item_id): rating
        for rating in Rating.objects.filter(assessment__round=data.round).select_related(
            "updated_by"
        )
    }
    partnership, round_name = data.round.partnership.name, data.round.name
    for row in data.rows:
        team = row.team
        for item in data.items:
            rating = ratings.get((row.assessment.pk, item.pk)) if row.assessment else None
            updated_at = (
                timezone.localtime(rating.updated_at).strftime("%Y-%m-%d %H:%M")
                if rating and rating.is_rated
                else ""
            )
            yield [
                partnership,
                round_name,
                team.organisation.name,
                Sector(team.organisation.sector).label,
                team.name,
                TeamType(team.team_type).label,
                team.headcount if team.headcount is not None else "",
                item.code,
                item.statement,
                rating.rag if rating else Rag.UNRATED.value,
                rating.evidence if rating else "",
                rating.next_step if rating else "",
                row.status,
                updated_at,
                rating.updated_by.email if rating and rating.updated_by else "",
            ]


def summary_rows(*, results: list[reports.ItemResult]) -> Iterator[list[Any]]:
    for result in results:
        counts = result.teams
        yield [
            result.item.code,
            result.item.statement,
            counts.red,
            counts.amber,
            counts.green,
            result.not_submitted,
            round(counts.red_share, 4),
            round(counts.amber_share, 4),
            round(counts.green_share, 4),
        ]


def to_csv(columns: list[str], rows: Iterator[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens names like Zoë and en dashes correctly.
    Like to_xlsx, it passes every cell through safe(): no caller can forget."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows([safe(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(sheets: list[tuple[str, list[str], Iterator[list[Any]]]]) -> bytes:
    workbook = Workbook(write_only=True)
    for title, columns, rows in sheets:
        sheet = workbook.create_sheet(title=title)
        sheet.append(columns)
        for row in rows:
            sheet.append([safe(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ratings_csv(*, data: reports.RoundData) -> bytes:
    return to_csv(LONG_COLUMNS, long_rows(data=data))


def ratings_xlsx(*, data: reports.RoundData) -> bytes:
    return to_xlsx([("Ratings", LONG_COLUMNS, long_rows(data=data))])


def summary_csv(*, data: reports.RoundData) -> bytes:
    return to_csv(SUMMARY_COLUMNS, summary_rows(results=reports.item_results(data=data)))


def workbook(*, data: reports.RoundData) -> bytes:
    """The whole picture in one workbook: summary, every rating, completion and the groups."""
    results = reports.item_results(data=data)
    done = reports.completion(data=data)
    group_columns = ["group", "teams", "submitted", "red", "amber", "green"]

    def groups(results_: list[reports.GroupResult]) -> Iterator[list[Any]]:
        for group in results_:
            yield [
                group.label,
                group.teams,
                group.submitted,
                group.ratings.red,
                group.ratings.amber,
                group.ratings.green,
            ]

    completion_rows = (
        [row.team.organisation.name, row.team.name, row.status_label] for row in done.rows
    )
    return to_xlsx(
        [
            ("Summary", SUMMARY_COLUMNS, summary_rows(results=results)),
            ("Ratings", LONG_COLUMNS, long_rows(data=data)),
            ("Completion", ["organisation", "team", "status"], completion_rows),
            ("By sector", group_columns, groups(reports.by_sector(data=data))),
            ("By team type", group_columns, groups(reports.by_team_type(data=data))),
        ]
    )
