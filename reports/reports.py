"""What a round's ratings say, for the lead's dashboard, the PDF gap report and the exports.

Typed, keyword-only functions over a round (optionally filtered by sector or team type) that
return small dataclasses. Only submitted assessments count: a reopened assessment drops out
until it is submitted again. Every function runs a fixed number of queries, whatever the number
of teams; `round_data` loads everything once and the other functions work on what it returns.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Literal

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext

from assessments.models import (
    SHOWN_STATUS_LABELS,
    Action,
    Assessment,
    PreviousAnswer,
    Rating,
    Round,
)
from checklists.models import Item, Rag
from partnerships.models import Organisation, Sector, Team, TeamType

Movement = Literal["up", "down", "same"]
RAG_ORDER = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}
# Fewer teams than this in a group, and its results are given as counts, not percentages: a
# share of three teams says more than it knows (the board paper's confidence statement).
FEW_TEAMS = 5


@dataclass(frozen=True)
class Filters:
    sector: str = ""
    team_type: str = ""

    def as_q(self, prefix: str) -> Q:
        """The same filter over a query of rows whose team is reached by `prefix`."""
        q = Q()
        if self.sector:
            q &= Q(**{f"{prefix}organisation__sector": self.sector})
        if self.team_type:
            q &= Q(**{f"{prefix}team_type": self.team_type})
        return q

    @property
    def key(self) -> str:
        """The filter as stored with a rendered report: "" for every team."""
        return f"{self.sector}:{self.team_type}" if self.sector or self.team_type else ""

    @classmethod
    def from_key(cls, key: str) -> Filters:
        sector, _, team_type = key.partition(":")
        return cls(sector=sector, team_type=team_type)

    @property
    def slug(self) -> str:
        """The filter in a file name: codes only, never people's text."""
        parts = [f"sector-{self.sector}"] if self.sector else []
        parts += [f"team-type-{self.team_type}"] if self.team_type else []
        return "-".join(parts).replace("_", "-")

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

    @property
    def few(self) -> bool:
        """Too few teams answered for shares to mean much: show counts (FEW_TEAMS)."""
        return self.submitted < FEW_TEAMS


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
    # When reading began: a report says its data was read then, and is out of date once the
    # round changes after it (assessments.changes).
    read_at: datetime.datetime = field(default_factory=timezone.now)


def round_data(*, round: Round, filters: Filters | None = None) -> RoundData:
    """The round's items and teams in scope, with their assessments and submitted ratings.

    Teams in scope: the partnership's active teams that take part in the round (all but those
    the lead left out), and any other team with an assessment in the round (an inactive team
    that answered still counts).
    """
    read_at = timezone.now()
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
    return RoundData(round, filters, items, rows, dict(ratings_by_assessment), read_at)


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


def change(*, before: str, after: str) -> Movement:
    """Which way a rating moved: up towards Green, down towards Red, or not at all."""
    step = RAG_ORDER[Rag(after)] - RAG_ORDER[Rag(before)]
    return "up" if step > 0 else "down" if step < 0 else "same"


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
            direction = change(before=old, after=rag)
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


@dataclass(frozen=True)
class TrendPoint:
    round: Round
    teams: RagCounts  # teams that submitted, at each rating of the item


@dataclass(frozen=True)
class ItemTrend:
    item: Item
    points: list[TrendPoint]  # this round and every earlier one of its checklist, oldest first


def trends(*, data: RoundData) -> list[ItemTrend]:
    """Each item's submitted ratings in every round of this checklist up to this one, the
    partnership's teams in the filter's scope only; items are matched by code, so earlier
    versions of the checklist count. Two queries, whatever the number of rounds."""
    rounds = list(
        Round.objects.filter(
            partnership_id=data.round.partnership_id,
            checklist__name=data.round.checklist.name,
            opens_on__lte=data.round.opens_on,
        ).order_by("opens_on", "pk")
    )
    counts: dict[tuple[int, str], RagCounts] = defaultdict(RagCounts)
    rows = (
        Rating.objects.counted()
        .filter(assessment__round__in=rounds)
        .filter(data.filters.as_q("assessment__team__"))
        .exclude(rag=Rag.UNRATED)
        .values("assessment__round", "item__code", "rag")
        .annotate(teams=Count("pk"))
    )
    for row in rows:
        key = (row["assessment__round"], row["item__code"])
        counts[key] = counts[key].plus(row["rag"], row["teams"])
    return [
        ItemTrend(item, [TrendPoint(r, counts[(r.pk, item.code)]) for r in rounds])
        for item in data.items
    ]


def actions(*, data: RoundData) -> dict[str, list[Action]]:
    """The partnership's action plan for the round by item code (carried actions included),
    limited to what concerns the filter's teams: actions for every team, or for the filtered
    team type, or for an organisation of the filtered sector."""
    return _plan(data.round, lambda action: _concerns(action, data.filters))


def team_actions(*, assessment: Assessment) -> dict[str, list[Action]]:
    """The partnership's action plan for the assessment's round by item code (carried actions
    included), limited to what concerns the team: actions for every team, or for its team
    type, or for its organisation."""
    team = assessment.team
    return _plan(
        assessment.round,
        lambda action: (
            (not action.team_types or team.team_type in action.team_types)
            and _organisations_include(action, lambda o: o.pk == team.organisation_id)
        ),
    )


def _plan(round: Round, concerns: Callable[[Action], bool]) -> dict[str, list[Action]]:
    found: dict[str, list[Action]] = defaultdict(list)
    plan = (
        Action.objects.for_round(round)
        .select_related("round")
        .prefetch_related("organisations", "updates")
        .order_by("item_code", "due_on", "pk")
    )
    for action in plan:
        if concerns(action):
            found[action.item_code].append(action)
    return dict(found)


def _organisations_include(action: Action, matches: Callable[[Organisation], bool]) -> bool:
    """Whether the action concerns a matching organisation: one named, or all when none is."""
    organisations = list(action.organisations.all())
    return not organisations or any(matches(o) for o in organisations)


def _concerns(action: Action, filters: Filters) -> bool:
    sector = filters.sector
    in_sector = not sector or _organisations_include(action, lambda o: o.sector == sector)
    team_type = filters.team_type
    of_type = not (team_type and action.team_types) or team_type in action.team_types
    return in_sector and of_type


@dataclass(frozen=True)
class Theme:
    """What teams said they will do next about an item, attributed to the teams: teams at the
    same rating who wrote the same words (give or take spacing and capitals) share one entry."""

    teams: list[str]
    rag: str
    text: str


def next_steps(*, data: RoundData) -> list[tuple[Item, list[Theme]]]:
    """What the submitted teams that rated an item Red or Amber will do next about it, grouped
    by item, Red first (a Green item's next step is keeping it going: not a gap's plan); the
    same words at the same rating are given once, with every team that wrote them."""
    by_item: dict[int, dict[tuple[str, str], Theme]] = defaultdict(dict)
    for row in data.rows:
        if not row.submitted or row.assessment is None:
            continue
        for rating in data.ratings_by_assessment.get(row.assessment.pk, []):
            text = rating.next_step.strip()
            if rating.rag not in (Rag.RED, Rag.AMBER) or not text:
                continue
            key = (rating.rag, " ".join(text.split()).casefold())
            themes = by_item[rating.item_id]
            themes.setdefault(key, Theme([], rating.rag, text)).teams.append(row.label)
    return [
        (
            item,
            sorted(
                by_item[item.pk].values(),
                key=lambda t: (RAG_ORDER[Rag(t.rag)], -len(t.teams), t.teams[0]),
            ),
        )
        for item in data.items
        if by_item.get(item.pk)
    ]


@dataclass(frozen=True)
class Response:
    """Who answered: teams, their workforce, and which sectors and team types are missing."""

    submitted: int
    teams: int
    workforce_covered: int  # headcount of the teams that submitted (those that gave one)
    workforce: int
    missing_sectors: list[str]
    missing_team_types: list[str]
    spread: RagCounts  # every submitted rating together

    @property
    def few(self) -> bool:
        return self.submitted < FEW_TEAMS


def response(*, data: RoundData) -> Response:
    spread = RagCounts()
    for ratings in data.ratings_by_assessment.values():
        for rating in ratings:
            spread = spread.plus(rating.rag)
    answered = [row for row in data.rows if row.submitted]
    types_answering = {row.team.team_type for row in answered}
    missing_types = {row.team.team_type for row in data.rows} - types_answering
    return Response(
        submitted=len(answered),
        teams=len(data.rows),
        workforce_covered=sum(row.team.headcount or 0 for row in answered),
        workforce=sum(row.team.headcount or 0 for row in data.rows),
        missing_sectors=completion(data=data).sectors_without_submission,
        missing_team_types=sorted(str(TeamType(t).label) for t in missing_types),
        spread=spread,
    )


def biggest_changes(
    *, movement: MovementReport, most: int = 3
) -> tuple[list[ItemMovement], list[ItemMovement]]:
    """The items most teams moved up, and those most moved down, since the previous round: by
    teams better less teams worse; none when there is nothing to compare."""
    compared = [m for m in movement.items if not m.is_new and m.compared]
    improved = sorted(
        (m for m in compared if m.up > m.down), key=lambda m: (m.down - m.up, m.item.sort_key())
    )
    worsened = sorted(
        (m for m in compared if m.down > m.up), key=lambda m: (m.up - m.down, m.item.sort_key())
    )
    return improved[:most], worsened[:most]


def plan_by_item(
    *, items: list[Item], plan: dict[str, list[Action]]
) -> tuple[list[tuple[Item, list[Action]]], list[Action]]:
    """The plan in the checklist's order, and apart from it the actions on items this version
    of the checklist no longer has."""
    codes = {item.code for item in items}
    return (
        [(item, plan[item.code]) for item in items if item.code in plan],
        [action for code, found in plan.items() if code not in codes for action in found],
    )


@dataclass(frozen=True)
class TeamItem:
    """One item of a team's report: its rating now and last round, and the partnership's."""

    rating: Rating
    before: PreviousAnswer | None  # None: not rated, or the team did not submit, last round
    change: Movement | None
    partnership: ItemResult | None


@dataclass(frozen=True)
class TeamReport:
    items: list[TeamItem]
    previous: Round | None  # the partnership's previous round, if it had one
    submitted_before: bool  # whether the team's answers counted in it
    changes: dict[Movement, int]
    plan: list[tuple[Item, list[Action]]]
    plan_elsewhere: list[Action]
    read_at: datetime.datetime
    # Other submitted teams: under FEW_TEAMS, the partnership's counts would give their answers
    # away (one other team's counts are its ratings), so the report leaves them out.
    others_submitted: int

    @property
    def shows_partnership(self) -> bool:
        return self.others_submitted >= FEW_TEAMS


def team_report(*, assessment: Assessment) -> TeamReport:
    """A team's answers beside its last round's and the partnership's submitted teams', with
    the partnership's actions that concern the team. A fixed number of queries."""
    data = round_data(round=assessment.round)
    results = {result.item.pk: result for result in item_results(data=data)}
    before = assessment.previous_answers()
    ratings = sorted(
        assessment.ratings.select_related("item"), key=lambda rating: rating.item.sort_key()
    )
    items = []
    changes: dict[Movement, int] = {"up": 0, "down": 0, "same": 0}
    for rating in ratings:
        old = before.get(rating.item.code)
        moved = change(before=old.rag, after=rating.rag) if old and rating.is_rated else None
        if moved:
            changes[moved] += 1
        items.append(TeamItem(rating, old, moved, results.get(rating.item_id)))
    plan, elsewhere = plan_by_item(items=data.items, plan=team_actions(assessment=assessment))
    return TeamReport(
        items=items,
        previous=assessment.round.previous(),
        submitted_before=bool(before),
        changes=changes,
        plan=plan,
        plan_elsewhere=elsewhere,
        read_at=data.read_at,
        others_submitted=sum(
            1 for row in data.rows if row.submitted and row.team.pk != assessment.team_id
        ),
    )
