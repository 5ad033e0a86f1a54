"""Aggregation checked against figures worked out by hand on small data."""

from dataclasses import dataclass

import pytest
from django.utils import timezone

from assessments.models import Assessment, Round
from checklists.models import Checklist
from partnerships.models import Sector, Team, TeamType
from reports import reports

from .helpers import (
    make_checklist,
    make_item,
    make_partnership,
    make_round,
    make_team,
    mark_submitted,
)


def rate(team: Team, round_: Round, rags: dict[str, str], *, submit: bool = True) -> Assessment:
    assessment = Assessment.start(team=team, round=round_)
    for code, rag in rags.items():
        assessment.ratings.filter(item__code=code).update(rag=rag)
    if submit:
        mark_submitted(assessment)
    else:
        Assessment.objects.filter(pk=assessment.pk).update(status="in_progress")
    return assessment


@dataclass
class Partnership:
    previous: Round
    current: Round
    teams: dict[str, Team]


@pytest.fixture
def data(db: None) -> Partnership:
    """Version 2 of the checklist retires W03 and adds W04; team E was reopened."""
    partnership = make_partnership()
    old = make_checklist(items=3)
    new = old.new_draft_version()
    new.items.get(code="W03").delete()
    make_item(new, None, 4)
    new.publish()
    previous = make_round(partnership, old, name="2025", opens_days_ago=400, closes_in_days=-300)
    current = make_round(partnership, new, name="2026")
    teams = {
        "A": make_team(partnership, "A", organisation="NHS Trust", headcount=10),
        "B": make_team(
            partnership,
            "B",
            organisation="Council",
            sector=Sector.LOCAL_AUTHORITY,
            team_type=TeamType.FAMILY_HUB,
            headcount=30,
        ),
        "C": make_team(
            partnership,
            "C",
            organisation="Home-Start",
            sector=Sector.VOLUNTARY,
            team_type=TeamType.VOLUNTARY_FAMILY_SUPPORT,
            headcount=None,
        ),
        "D": make_team(
            partnership, "D", organisation="School", sector=Sector.EDUCATION, is_active=False
        ),
        "E": make_team(
            partnership, "E", organisation="NHS Trust", team_type=TeamType.MIDWIFERY, headcount=5
        ),
        "F": make_team(
            partnership, "F", organisation="Nursery", sector=Sector.EARLY_EDUCATION, headcount=8
        ),
    }
    rate(teams["A"], previous, {"W01": "amber", "W02": "amber", "W03": "red"})
    rate(teams["B"], previous, {"W01": "red", "W02": "red", "W03": "green"})
    rate(teams["A"], current, {"W01": "red", "W02": "amber", "W04": "green"})
    rate(teams["B"], current, {"W01": "red", "W02": "green", "W04": "green"})
    rate(teams["C"], current, {"W01": "amber", "W02": "amber", "W04": "red"})
    reopened = rate(teams["E"], current, {"W01": "green", "W02": "green", "W04": "green"})
    Assessment.objects.filter(pk=reopened.pk).update(
        status="in_progress", reopened_reason="Check W02", reopened_at=timezone.now()
    )
    return Partnership(previous, current, teams)


def _by_code(results: list[reports.ItemResult]) -> dict[str, reports.ItemResult]:
    return {result.item.code: result for result in results}


def test_item_counts_and_shares_count_only_submitted_teams(data: Partnership) -> None:
    results = _by_code(reports.item_results(data=reports.round_data(round=data.current)))
    assert list(results) == ["W01", "W02", "W04"]  # W03 was retired
    w01 = results["W01"]
    assert (w01.teams.red, w01.teams.amber, w01.teams.green) == (2, 1, 0)
    assert w01.teams.red_share == pytest.approx(2 / 3)
    assert w01.not_submitted == 2  # E (reopened) and F (not started); D is inactive
    w02 = results["W02"]
    assert (w02.teams.red, w02.teams.amber, w02.teams.green) == (0, 2, 1)


def test_workforce_shares_weight_by_headcount_and_set_aside_unknown_sizes(
    data: Partnership,
) -> None:
    results = _by_code(reports.item_results(data=reports.round_data(round=data.current)))
    w01, w02 = results["W01"], results["W02"]
    assert (w01.workforce.red, w01.workforce.amber, w01.workforce.green) == (40, 0, 0)
    assert w01.teams_without_headcount == 1  # C
    assert w02.workforce.amber_share == pytest.approx(10 / 40)
    assert w02.workforce.green_share == pytest.approx(30 / 40)


def test_priority_gaps_rank_by_red_share_then_amber_share(data: Partnership) -> None:
    results = reports.item_results(data=reports.round_data(round=data.current))
    assert [r.item.code for r in reports.priority_gaps(results=results)] == ["W01", "W04", "W02"]


def test_completion_lists_who_has_not_submitted_and_silent_sectors(data: Partnership) -> None:
    done = reports.completion(data=reports.round_data(round=data.current))
    assert (done.submitted_count, done.total) == (3, 5)
    assert [row.team.name for row in done.not_submitted] == ["F", "E"]
    assert [row.status for row in done.not_submitted] == ["not_started", "in_progress"]
    assert done.sectors_without_submission == ["Early education and childcare"]


def test_an_inactive_team_that_answered_still_counts(data: Partnership) -> None:
    rate(data.teams["D"], data.current, {"W01": "green", "W02": "green", "W04": "green"})
    round_data = reports.round_data(round=data.current)
    assert "D" in [row.team.name for row in round_data.rows]
    assert _by_code(reports.item_results(data=round_data))["W01"].teams.green == 1


def test_a_reopened_assessment_counts_again_once_resubmitted(data: Partnership) -> None:
    mark_submitted(Assessment.objects.get(team=data.teams["E"], round=data.current))
    results = _by_code(reports.item_results(data=reports.round_data(round=data.current)))
    assert results["W01"].teams.green == 1
    assert results["W01"].not_submitted == 1


def test_heatmap_groups_teams_by_sector_and_organisation(data: Partnership) -> None:
    groups = reports.heatmap(data=reports.round_data(round=data.current))
    assert [(g.sector, g.organisation, [r.team.name for r in g.rows]) for g in groups] == [
        ("Early education and childcare", "Nursery", ["F"]),
        ("Local authority", "Council", ["B"]),
        ("NHS health", "NHS Trust", ["A", "E"]),
        ("Voluntary and community", "Home-Start", ["C"]),
    ]
    a_row = groups[2].rows[0]
    w01 = data.current.checklist.items.get(code="W01")
    assert a_row.ratings[w01.pk] == "red"
    assert groups[2].rows[1].ratings == {}  # E's answers do not count while reopened


def test_results_by_sector_and_team_type(data: Partnership) -> None:
    round_data = reports.round_data(round=data.current)
    sectors = {
        g.label: (g.teams, g.submitted, g.ratings) for g in reports.by_sector(data=round_data)
    }
    assert sectors["NHS health"] == (2, 1, reports.RagCounts(red=1, amber=1, green=1))
    assert sectors["Local authority"] == (1, 1, reports.RagCounts(red=1, green=2))
    assert sectors["Voluntary and community"] == (1, 1, reports.RagCounts(red=1, amber=2))
    assert sectors["Early education and childcare"] == (1, 0, reports.RagCounts())
    types = {g.label: g.submitted for g in reports.by_team_type(data=round_data)}
    assert types["Health visiting"] == 1  # A; F is health visiting too but has not submitted
    assert types["Maternity and midwifery"] == 0


def test_filters_narrow_every_result(data: Partnership) -> None:
    round_data = reports.round_data(
        round=data.current, filters=reports.Filters(sector=Sector.NHS_HEALTH)
    )
    assert [row.team.name for row in round_data.rows] == ["A", "E"]
    w01 = _by_code(reports.item_results(data=round_data))["W01"]
    assert (w01.teams.red, w01.not_submitted) == (1, 1)
    assert reports.Filters(team_type=TeamType.MIDWIFERY).description == (
        "team type: Maternity and midwifery"
    )


def test_movement_matches_items_by_code_across_versions(data: Partnership) -> None:
    report = reports.movement(data=reports.round_data(round=data.current))
    assert report.previous == data.previous
    moved = {m.item.code: (m.up, m.down, m.same, m.is_new) for m in report.items}
    assert moved == {
        "W01": (0, 1, 1, False),  # A amber -> red; B red -> red
        "W02": (1, 0, 1, False),  # A amber -> amber; B red -> green
        "W04": (0, 0, 0, True),  # new in this version
    }
    changes = {
        team.name: [(c.code, c.before, c.after, c.movement) for c in cs]
        for team, cs in report.teams
    }
    assert changes == {"A": [("W01", "amber", "red", "down")], "B": [("W02", "red", "green", "up")]}


def test_no_submissions_at_all_gives_zeros_not_errors(db: None) -> None:
    partnership = make_partnership()
    round_ = make_round(partnership, make_checklist(items=2))
    make_team(partnership)
    round_data = reports.round_data(round=round_)
    results = reports.item_results(data=round_data)
    assert [(r.teams.total, r.teams.red_share, r.not_submitted) for r in results] == [
        (0, 0.0, 1)
    ] * 2
    assert reports.priority_gaps(results=results) == []
    assert reports.completion(data=round_data).submitted_count == 0
    assert reports.completion(data=round_data).sectors_without_submission == ["NHS health"]


def test_a_partnership_with_no_previous_round_has_no_movement(db: None) -> None:
    partnership = make_partnership()
    round_ = make_round(partnership, make_checklist(items=2))
    report = reports.movement(data=reports.round_data(round=round_))
    assert report.previous is None
    assert report.teams == []
    assert all(m.is_new and m.compared == 0 for m in report.items)
    assert Checklist.objects.count() == 1
