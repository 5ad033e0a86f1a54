"""What a round's ratings say, for the lead's dashboard, the PDF gap report and the exports.

Typed, keyword-only functions over a round (optionally filtered by sector or team type) that
return small dataclasses. Only submitted assessments count: a reopened assessment drops out
until it is submitted again. Every function runs a fixed number of queries, whatever the number
of teams; `round_data` loads everything once and the other functions work on what it returns.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from typing import Literal

from django.utils.translation import gettext

from assessments.models import SHOWN_STATUS_LABELS, Assessment, Rating, Round
from checklists.models import Item, Rag
from partnerships.models import Sector, Team, TeamType

Movement = Literal["up", "down", "same"]
RAG_ORDER = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}


@dataclass(frozen=True)
class Filters:
    sector: str = ""
    team_type: str = ""

    def apply(self, teams: list[Team]) -> list[Team]:
        return [
            team
            for team in teams
            if (not self.sector or team.organisation.sector == self.sector)
            and (not self.team_type or team.team_type == self.team_type)
        ]

    @property
    def description(self) -> str:
        parts = []
        if self.sector:
            parts.append(gettext("sector: %(sector)s") % {"sector": Sector(self.sector).label})
        if self.team_type:
            parts.append(gettext("team type: %(type)s") % {"type": TeamType(self.team_type).label})
        return "; ".join(parts) or gettext("all teams")


@dataclass(frozen=True)
class RagCounts:
    red: int = 0
    amber: int = 0
    green: int = 0

    @property
    def total(self) -> int:
        return self.red + self.amber + self.green

    def share(self, rag: str) -> float:
        """Share of the total at this rating, 0 when there is nothing to share."""
        return getattr(self, rag) / self.total if self.total else 0.0

    @property
    def red_share(self) -> float:
        return self.share(Rag.RED)

    @property
    def amber_share(self) -> float:
        return self.share(Rag.AMBER)

    @property
    def green_share(self) -> float:
        return self.share(Rag.GREEN)

    def plus(self, rag: str, amount: int = 1) -> RagCounts:
        values = {"red": self.red, "amber": self.amber, "green": self.green}
        values[rag] += amount
        return RagCounts(**values)


@dataclass(frozen=True)
class ItemResult:
    item: Item
    teams: RagCounts  # submitted teams at each rating
    workforce: RagCounts  # headcount of those teams at each rating
    teams_without_headcount: int
    not_submitted: int  # teams in scope whose rating does not count yet


@dataclass(frozen=True)
class TeamRow:
    team: Team
    assessment: Assessment | None
    ratings: dict[int, str]  # item id -> rag, for submitted assessments only

    @property
    def status(self) -> str:
        return self.assessment.status if self.assessment else Assessment.Status.NOT_STARTED

    @property
    def status_label(self) -> str:
        shown = self.assessment.shown_status if self.assessment else self.status
        return str(SHOWN_STATUS_LABELS[shown])

    @property
    def submitted(self) -> bool:
        return self.assessment is not None and self.assessment.is_counted

    @property
    def label(self) -> str:
        """The team and its organisation, as lists and headings name them."""
        return f"{self.team.name}, {self.team.organisation.name}"


@dataclass(frozen=True)
class HeatmapGroup:
    sector: str
    organisation: str
    rows: list[TeamRow]

    @property
    def heading(self) -> str:
        return f"{self.sector}: {self.organisation}"


@dataclass(frozen=True)
class GroupResult:
    """Results for one sector or one team type: all its submitted ratings together."""

    key: str
    label: str
    teams: int
    submitted: int
    ratings: RagCounts


@dataclass(frozen=True)
class Completion:
    rows: list[TeamRow]
    not_submitted: list[TeamRow]
    sectors_without_submission: list[str]

    @property
    def submitted_count(self) -> int:
        return sum(1 for row in self.rows if row.submitted)

    @property
    def total(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class ItemMovement:
    item: Item
    up: int = 0
    down: int = 0
    same: int = 0
    is_new: bool = False  # no item with this code in the previous round

    @property
    def compared(self) -> int:
        return self.up + self.down + self.same


@dataclass(frozen=True)
class TeamChange:
    code: str
    before: str
    after: str
    movement: Movement


@dataclass(frozen=True)
class MovementReport:
    previous: Round | None
    items: list[ItemMovement]
    teams: list[tuple[Team, list[TeamChange]]]


@dataclass(frozen=True, slots=True)
class SubmittedRating:
    """A submitted rating, read as plain values: reports handle thousands of them."""

    assessment_id: int
    item_id: int
    rag: str
    evidence: str
    next_step: str


@dataclass
class RoundData:
    """Everything the reports need, loaded in a fixed number of queries."""

    round: Round
    filters: Filters
    items: list[Item]
    rows: list[TeamRow]  # teams in scope, grouped and ordered for the heatmap
    ratings_by_assessment: dict[int, list[SubmittedRating]] = field(default_factory=dict)


def round_data(*, round: Round, filters: Filters | None = None) -> RoundData:
    """The round's items and teams in scope, with their assessments and submitted ratings.

    Teams in scope: the partnership's active teams that take part in the round (all but those
    the lead left out), and any other team with an assessment in the round (an inactive team
    that answered still counts).
    """
    filters = filters or Filters()
    items = list(round.checklist.items.select_related("section").in_order())
    assessments = {
        assessment.team_id: assessment
        for assessment in Assessment.objects.filter(round=round).select_related("submitted_by")
    }
    teams = list(
        Team.objects.filter(organisation__partnership_id=round.partnership_id)
        .select_related("organisation")
        .order_by("organisation__sector", "organisation__name", "name")
    )
    left_out = set(round.left_out.values_list("pk", flat=True))
    teams = filters.apply(
        [t for t in teams if (t.is_active and t.pk not in left_out) or t.pk in assessments]
    )
    submitted_ids = [
        assessments[t.pk].pk for t in teams if t.pk in assessments and assessments[t.pk].is_counted
    ]
    ratings_by_assessment: dict[int, list[SubmittedRating]] = defaultdict(list)
    rows_of_values = (
        Rating.objects.filter(assessment_id__in=submitted_ids)
        .exclude(rag=Rag.UNRATED)
        .values_list("assessment_id", "item_id", "rag", "evidence", "next_step")
    )
    for values in rows_of_values:
        ratings_by_assessment[values[0]].append(SubmittedRating(*values))
    rows = []
    for team in teams:
        assessment = assessments.get(team.pk)
        submitted = assessment is not None and assessment.is_counted
        ratings = (
            {
                r.item_id: r.rag
                for r in ratings_by_assessment.get(assessment.pk, [])  # type: ignore[union-attr]
            }
            if submitted
            else {}
        )
        rows.append(TeamRow(team=team, assessment=assessment, ratings=ratings))
    return RoundData(round, filters, items, rows, dict(ratings_by_assessment))


def item_results(*, data: RoundData) -> list[ItemResult]:
    """Per item: submitted teams and their workforce at Red, Amber and Green."""
    results = []
    for item in data.items:
        teams = workforce = RagCounts()
        without_headcount = not_submitted = 0
        for row in data.rows:
            rag = row.ratings.get(item.pk)
            if rag is None:
                not_submitted += 1
                continue
            teams = teams.plus(rag)
            if row.team.headcount:
                workforce = workforce.plus(rag, row.team.headcount)
            else:
                without_headcount += 1
        results.append(ItemResult(item, teams, workforce, without_headcount, not_submitted))
    return results


def priority_gaps(*, results: list[ItemResult]) -> list[ItemResult]:
    """Items with any submitted rating, worst first: by Red share, then Amber share."""
    rated = [result for result in results if result.teams.total]
    return sorted(
        rated,
        key=lambda r: (-r.teams.red_share, -r.teams.amber_share, *r.item.sort_key()),
    )


def heatmap(*, data: RoundData) -> list[HeatmapGroup]:
    """Teams by sector and organisation; each row's ratings by item id."""
    groups: list[HeatmapGroup] = []
    for row in data.rows:
        sector = str(Sector(row.team.organisation.sector).label)
        organisation = row.team.organisation.name
        if not groups or (groups[-1].sector, groups[-1].organisation) != (sector, organisation):
            groups.append(HeatmapGroup(sector, organisation, []))
        groups[-1].rows.append(row)
    return groups


def _grouped(data: RoundData, key_of: str, labels: dict[str, str]) -> list[GroupResult]:
    grouped: dict[str, list[TeamRow]] = defaultdict(list)
    for row in data.rows:
        team = row.team
        key = team.organisation.sector if key_of == "sector" else team.team_type
        grouped[key].append(row)
    results = []
    for key, rows in grouped.items():
        counts = RagCounts()
        for row in rows:
            for rag in row.ratings.values():
                counts = counts.plus(rag)
        results.append(
            GroupResult(
                key=key,
                label=labels.get(key, key),
                teams=len(rows),
                submitted=sum(1 for row in rows if row.submitted),
                ratings=counts,
            )
        )
    return sorted(results, key=lambda r: r.label)


def by_sector(*, data: RoundData) -> list[GroupResult]:
    return _grouped(data, "sector", {value: str(label) for value, label in Sector.choices})


def by_team_type(*, data: RoundData) -> list[GroupResult]:
    return _grouped(data, "team_type", {value: str(label) for value, label in TeamType.choices})


def completion(*, data: RoundData) -> Completion:
    sectors_with_teams = {row.team.organisation.sector for row in data.rows}
    sectors_submitting = {row.team.organisation.sector for row in data.rows if row.submitted}
    return Completion(
        rows=data.rows,
        not_submitted=[row for row in data.rows if not row.submitted],
        sectors_without_submission=sorted(
            str(Sector(sector).label) for sector in sectors_with_teams - sectors_submitting
        ),
    )


def movement(*, data: RoundData) -> MovementReport:
    """Changes since the partnership's previous round, matching items by code."""
    previous = data.round.previous()
    if previous is None:
        return MovementReport(None, [ItemMovement(item, is_new=True) for item in data.items], [])
    before: dict[tuple[int, str], str] = {
        (team_id, code): rag
        for team_id, code, rag in Rating.objects.counted()
        .filter(
            assessment__round=previous,
            assessment__team_id__in=[row.team.pk for row in data.rows],
        )
        .exclude(rag=Rag.UNRATED)
        .values_list("assessment__team_id", "item__code", "rag")
    }
    previous_codes = {code for _, code in before}
    counts: dict[str, dict[Movement, int]] = defaultdict(lambda: {"up": 0, "down": 0, "same": 0})
    team_changes: list[tuple[Team, list[TeamChange]]] = []
    codes = {item.pk: item.code for item in data.items}
    for row in data.rows:
        changes = []
        for item_id, rag in row.ratings.items():
            code = codes.get(item_id)
            old = before.get((row.team.pk, code)) if code else None
            if code is None or old is None:
                continue
            step = RAG_ORDER[Rag(rag)] - RAG_ORDER[Rag(old)]
            direction: Movement = "up" if step > 0 else "down" if step < 0 else "same"
            counts[code][direction] += 1
            if direction != "same":
                changes.append(TeamChange(code, old, rag, direction))
        if changes:
            team_changes.append((row.team, sorted(changes, key=lambda c: c.code)))
    items = [
        ItemMovement(item, **counts[item.code], is_new=item.code not in previous_codes)
        for item in data.items
    ]
    return MovementReport(previous, items, team_changes)


@dataclass(frozen=True)
class RoundReport:
    """Everything the dashboard and the PDF gap report show, computed once."""

    results: list[ItemResult]
    gaps: list[ItemResult]
    heatmap: list[HeatmapGroup]
    completion: Completion
    breakdowns: list[tuple[str, str, list[GroupResult]]]
    movement: MovementReport

    def as_context(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def round_report(*, data: RoundData) -> RoundReport:
    results = item_results(data=data)
    return RoundReport(
        results=results,
        gaps=priority_gaps(results=results),
        heatmap=heatmap(data=data),
        completion=completion(data=data),
        breakdowns=[
            (gettext("By sector"), gettext("Sector"), by_sector(data=data)),
            (gettext("By team type"), gettext("Team type"), by_team_type(data=data)),
        ],
        movement=movement(data=data),
    )
