"""Rules written once: which assessments count, the previous round, item order, status values."""

from typing import Any

import pytest
from django.db.models import CheckConstraint

from assessments.models import Assessment, Rating, Round
from checklists.models import Checklist, Item
from reports import reports

from .conftest import World
from .helpers import make_checklist, make_last_year, make_round, make_team, mark_submitted


def _rate(assessment: Assessment, rag: str) -> None:
    assessment.ratings.update(rag=rag)


@pytest.fixture
def history(world: World) -> World:
    """Last year's round of the same checklist, where the team said Red everywhere."""
    make_last_year(world.round, world.team)
    return world


def test_one_rule_says_which_assessments_count_everywhere(
    history: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An in-progress assessment, this round and last: nothing of it counts today.
    last = Assessment.objects.get(round__name="Last year")
    Assessment.objects.filter(pk=last.pk).update(status=Assessment.Status.IN_PROGRESS)
    now = Assessment.start(team=history.team, round=history.round)
    _rate(now, "green")
    Assessment.objects.filter(pk=now.pk).update(status=Assessment.Status.IN_PROGRESS)

    def counted_results() -> tuple[int, int, bool, int]:
        data = reports.round_data(round=history.round)
        first = reports.item_results(data=data)[0]
        moved = reports.movement(data=data).items[0]
        return (first.teams.green, moved.up, bool(now.previous_answers()), len(data.rows))

    assert counted_results()[:3] == (0, 0, False)
    # Change the rule in its one place: every report, and last round's answers, follow.
    monkeypatch.setattr(
        Assessment,
        "COUNTED",
        frozenset({Assessment.Status.SUBMITTED, Assessment.Status.IN_PROGRESS}),
    )
    assert counted_results()[:3] == (1, 1, True)
    assert Assessment.objects.counted().count() == 2
    assert Rating.objects.counted().exists()


def test_the_previous_round_is_one_of_the_same_checklist(history: World) -> None:
    # A round of a different checklist in between, whose items share codes (W01…) by chance.
    other = make_checklist(name="Speech and language checklist")
    between = make_round(history.partnership, other, name="Speech 2026", opens_days_ago=100)
    elsewhere = Assessment.start(team=history.team, round=between)
    _rate(elsewhere, "green")
    mark_submitted(elsewhere)

    assert history.round.previous() == Round.objects.get(name="Last year")
    now = Assessment.start(team=history.team, round=history.round)
    assert {answer.rag for answer in now.previous_answers().values()} == {"red"}
    moved = reports.movement(data=reports.round_data(round=history.round))
    assert moved.previous is not None
    assert moved.previous.name == "Last year"


def test_a_new_version_of_the_checklist_still_has_the_previous_round(history: World) -> None:
    new_version = history.checklist.new_draft_version()
    new_version.publish()
    later = make_round(history.partnership, new_version, name="Next year", opens_days_ago=1)
    assert later.previous() == history.round


def test_ratings_are_fetched_without_joining_their_items(world: World) -> None:
    assessment = Assessment.start(team=world.team, round=world.round)
    assert "JOIN" not in str(assessment.ratings.all().query)


def test_items_have_one_order_in_queries_and_in_python(world: World) -> None:
    checklist = make_checklist(items=3, publish=False, name="Ordered")
    Item.objects.filter(checklist=checklist, code="W02").update(order=0)
    ordered = [item.code for item in Item.objects.filter(checklist=checklist).in_order()]
    shuffled = list(Item.objects.filter(checklist=checklist).order_by("-code"))
    assert ordered == [item.code for item in sorted(shuffled, key=Item.sort_key)]
    assert ordered[0] == "W02"


@pytest.mark.parametrize(
    ("model", "choices"),
    [(Checklist, Checklist.Status), (Assessment, Assessment.Status)],
)
def test_status_constraints_allow_exactly_the_choices(model: Any, choices: Any) -> None:
    (constraint,) = [
        c
        for c in model._meta.constraints
        if isinstance(c, CheckConstraint) and c.name.endswith("status_valid")
    ]
    assert constraint.condition.children == [("status__in", choices.values)]  # type: ignore[union-attr]


def test_a_team_of_another_partnership_never_counts(world: World) -> None:
    outsider = Assessment.start(team=world.outsider_team, round=world.outsider_round)
    mark_submitted(outsider)
    make_team(world.partnership, "Late joiners")
    data = reports.round_data(round=world.round)
    assert world.outsider_team not in [row.team for row in data.rows]
