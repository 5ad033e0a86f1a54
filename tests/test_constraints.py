"""Every invariant of the domain is enforced by the database itself, not only by forms."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from assessments.models import Assessment, Rating, Round
from checklists.models import Item
from partnerships.models import Team

from .conftest import World


def _rejected(create: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()  # type: ignore[operator]


def test_one_assessment_per_team_and_round(world: World) -> None:
    Assessment.objects.create(team=world.team, round=world.round)
    _rejected(lambda: Assessment.objects.create(team=world.team, round=world.round))


def test_one_rating_per_assessment_and_item(world: World) -> None:
    assessment = Assessment.objects.create(team=world.team, round=world.round)
    item = world.checklist.items.get(code="W01")
    Rating.objects.create(assessment=assessment, item=item, rag="red")
    _rejected(lambda: Rating.objects.create(assessment=assessment, item=item, rag="green"))


def test_item_codes_are_unique_within_a_checklist(db: None) -> None:
    from .helpers import make_checklist

    draft = make_checklist(items=1, publish=False)
    _rejected(lambda: Item.objects.create(checklist=draft, code="W01", statement="Again"))


def test_a_round_must_close_after_it_opens(world: World) -> None:
    day = datetime.date(2026, 5, 1)
    for closes_on in (day, day - datetime.timedelta(days=1)):
        _rejected(
            lambda closes_on=closes_on: Round.objects.create(
                partnership=world.partnership,
                checklist=world.checklist,
                name=f"Backwards {closes_on}",
                opens_on=day,
                closes_on=closes_on,
            )
        )


def test_headcount_must_be_positive_when_given(world: World) -> None:
    Team.objects.filter(pk=world.team.pk).update(headcount=None)
    _rejected(lambda: Team.objects.filter(pk=world.team.pk).update(headcount=0))


def test_rating_values_outside_red_amber_green_or_unrated_are_rejected(world: World) -> None:
    assessment = Assessment.objects.create(team=world.team, round=world.round)
    item = world.checklist.items.get(code="W01")
    _rejected(lambda: Rating.objects.create(assessment=assessment, item=item, rag="purple"))


def test_assessment_status_must_be_known_and_submission_has_a_time(world: World) -> None:
    _rejected(lambda: Assessment.objects.create(team=world.team, round=world.round, status="done"))
    _rejected(
        lambda: Assessment.objects.create(team=world.team, round=world.round, status="submitted")
    )


def test_email_addresses_are_unique_whatever_their_case(db: None) -> None:
    User.objects.create_user("Sam@Example.org", "pw-123456789")
    assert User.objects.get().email == "sam@example.org"
    _rejected(lambda: User.objects.create(email="SAM@example.org"))
