"""A round's ratings as CSV and Excel: the long format (one row per team and item) and the
per-item summary. Both are built from reports.RoundData, so they agree with the dashboard."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

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


# Columns of long text get room to read; the rest fit their heading (at least 12 wide).
WIDTHS = {
    "partnership": 28,
    "round": 28,
    "organisation": 30,
    "sector": 22,
    "team": 28,
    "team_type": 24,
    "item": 50,
    "evidence": 60,
    "next_step": 60,
    "updated_at": 17,
    "updated_by": 28,
    "group": 30,
    "action": 60,
    "owner": 26,
    "organisations": 30,
    "team_types": 26,
    "measure": 45,
    "latest_note": 45,
    "made_in_round": 28,
}


def to_xlsx(sheets: list[tuple[str, list[str], Iterator[list[Any]]]]) -> bytes:
    """Each sheet with its header row frozen and filtered, and columns wide enough to read.
    Dates and times in rows stay dates (Excel formats them); everything else passes safe()."""
    workbook = Workbook(write_only=True)
    for title, columns, rows in sheets:
        sheet = workbook.create_sheet(title=title)
        sheet.freeze_panes = "A2"
        for number, column in enumerate(columns, start=1):
            width = WIDTHS.get(column, max(12, len(column) + 3))
            sheet.column_dimensions[get_column_letter(number)].width = width
        sheet.append(columns)
        count = 1
        for row in rows:
            sheet.append([safe(value) for value in row])
            count += 1
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ACTION_COLUMNS = [
    "item_code",
    "item",
    "action",
    "owner",
    "organisations",
    "team_types",
    "due_on",
    "status",
    "overdue",
    "measure",
    "latest_note",
    "latest_note_on",
    "made_in_round",
    "created_on",
]


def action_rows(*, data: reports.RoundData) -> Iterator[list[Any]]:
    """The partnership's action plan for the round (what the board paper shows), one row per
    action, in checklist order; dates are dates."""
    statements = {item.code: item.statement for item in data.items}
    today = timezone.localdate()
    plan = reports.actions(data=data)
    order = [item.code for item in data.items] + sorted(set(plan) - set(statements))
    team_types = dict(TeamType.choices)
    for code in order:
        for action in plan.get(code, []):
            latest = action.latest_update()
            yield [
                code,
                statements.get(code, ""),
                action.what,
                action.owner_name,
                ", ".join(o.name for o in action.organisations.all()),
                ", ".join(str(team_types.get(t, t)) for t in action.team_types),
                action.due_on,
                action.get_status_display(),
                gettext("yes") if action.is_overdue(today) else gettext("no"),
                action.measure,
                latest.note if latest else "",
                timezone.localtime(latest.made_at).date() if latest else None,
                action.round.name,
                timezone.localtime(action.created_at).date(),
            ]


def ratings_csv(*, data: reports.RoundData) -> bytes:
    return to_csv(LONG_COLUMNS, long_rows(data=data))


def ratings_xlsx(*, data: reports.RoundData) -> bytes:
    return to_xlsx([("Ratings", LONG_COLUMNS, long_rows(data=data))])


def summary_csv(*, data: reports.RoundData) -> bytes:
    return to_csv(SUMMARY_COLUMNS, summary_rows(results=reports.item_results(data=data)))


def workbook(*, data: reports.RoundData) -> bytes:
    """The whole picture in one workbook: summary, every rating, completion, the groups and the
    action plan."""
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
            ("Actions", ACTION_COLUMNS, action_rows(data=data)),
        ]
    )
