"""Dates are London's: a round is open all of its closing day there, whatever the hour in UTC
(British Summer Time puts London an hour ahead)."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from assessments.models import Assessment, Round

from .conftest import World
from .helpers import save_url, sign_in

CLOSING_DAY = datetime.date(2026, 6, 30)


def _at(monkeypatch: pytest.MonkeyPatch, utc: datetime.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: utc)


@pytest.fixture
def closing_in_june(world: World) -> Round:
    Round.objects.filter(pk=world.round.pk).update(
        opens_on=datetime.date(2026, 6, 1), closes_on=CLOSING_DAY
    )
    return Round.objects.get(pk=world.round.pk)


def test_a_round_closing_today_in_london_is_open_at_half_past_eleven_at_night(
    client: Client, world: World, closing_in_june: Round, monkeypatch: pytest.MonkeyPatch
) -> None:
    assessment = Assessment.start(team=world.team, round=closing_in_june)
    _at(monkeypatch, datetime.datetime(2026, 6, 30, 22, 30, tzinfo=datetime.UTC))  # 23:30 BST
    assert timezone.localdate() == CLOSING_DAY
    assert Round.objects.get(pk=closing_in_june.pk).is_open
    assert Round.objects.open_on(timezone.localdate()).filter(pk=closing_in_june.pk).exists()
    sign_in(client, world.practitioner)
    assert "Save and continue" in client.get(save_url(assessment)).text  # still changeable


def test_half_an_hour_after_midnight_in_london_the_round_has_closed(
    client: Client, world: World, closing_in_june: Round, monkeypatch: pytest.MonkeyPatch
) -> None:
    assessment = Assessment.start(team=world.team, round=closing_in_june)
    _at(monkeypatch, datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC))  # 00:30 BST
    assert timezone.localdate() == CLOSING_DAY + datetime.timedelta(days=1)
    assert not Round.objects.get(pk=closing_in_june.pk).is_open
    sign_in(client, world.practitioner)
    assert "Save and continue" not in client.get(save_url(assessment)).text  # read-only now
