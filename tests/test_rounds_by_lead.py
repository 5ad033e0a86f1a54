"""A partnership lead runs rounds without an administrator: creates one from a published
checklist, changes its dates, closes it early, and sees every round's progress. What cannot be
right (dates the wrong way round, in the past, overlapping another round of the checklist, a day
that does not exist) is refused with a message saying so."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, Round
from checklists.models import Checklist

from .conftest import World
from .helpers import make_checklist, mark_submitted, rate_all, section_url, sign_in


def _date(field: str, day: datetime.date) -> dict[str, str]:
    return {f"{field}_0": str(day.day), f"{field}_1": str(day.month), f"{field}_2": str(day.year)}


def _round(world: World, name: str, opens: datetime.date, closes: datetime.date) -> dict[str, str]:
    return {
        "name": name,
        "checklist": str(world.checklist.pk),
        **_date("opens_on", opens),
        **_date("closes_on", closes),
    }


def _every_team(world: World) -> dict[str, list[str]]:
    return {"teams": [str(world.team.pk), str(world.other_team.pk)]}


def _new(world: World) -> str:
    return reverse("assessments:round-new", args=[world.partnership.pk])


def test_a_lead_creates_a_round_and_sees_it_with_its_progress(lead: Client, world: World) -> None:
    start = world.round.closes_on + datetime.timedelta(days=1)
    data = _round(world, "2027 round", start, start + datetime.timedelta(days=42))
    response = lead.post(_new(world), {**data, **_every_team(world)}, follow=True)
    assert "2027 round is set up: it opens on" in response.text
    created = Round.objects.get(name="2027 round")
    assert (created.partnership, created.checklist) == (world.partnership, world.checklist)
    assert (created.opens_on, created.closes_on) == (start, start + datetime.timedelta(days=42))
    assert "Opens soon" in response.text
    mark_submitted(Assessment.start(team=world.team, round=world.round))
    page = lead.get(reverse("assessments:rounds", args=[world.partnership.pk])).text
    assert "1 of 2 teams" in page  # the open round: one of the partnership's two teams
    assert ">Open</strong>" in page


def test_the_form_offers_published_checklists_only(lead: Client, world: World) -> None:
    draft = make_checklist(name="Draft list", publish=False)
    assert draft.status == Checklist.Status.DRAFT
    page = lead.get(_new(world)).text
    assert world.checklist.name in page
    assert draft.name not in page
    today = timezone.localdate() + datetime.timedelta(days=400)
    data = {**_round(world, "Draft", today, today), "checklist": str(draft.pk)}
    assert "Select a valid choice" in lead.post(_new(world), data).text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            lambda w, d: _round(w, "Backwards", d, d - datetime.timedelta(days=1)),
            "The closing date must be after the opening date.",
            id="closing before opening",
        ),
        pytest.param(
            lambda w, d: _round(w, "Overlap", w.round.closes_on, d + datetime.timedelta(days=9)),
            "already runs from",
            id="overlapping the open round",
        ),
        pytest.param(
            lambda w, d: _round(w, "Past", timezone.localdate() - datetime.timedelta(days=1), d),
            "The opening date must be today or later",
            id="opening in the past",
        ),
        pytest.param(
            lambda w, d: {
                **_round(w, "No such day", d, d),
                "closes_on_0": "31",
                "closes_on_1": "2",
            },
            "Enter a real closing date, like 27 3 2027",
            id="31 February",
        ),
        pytest.param(
            lambda w, d: {**_round(w, "Letters", d, d), "opens_on_1": "March"},
            "Enter a real opening date, like 27 3 2027",
            id="a month in words",
        ),
        pytest.param(
            lambda w, d: {**_round(w, "Part", d, d), "opens_on_2": ""},
            "Enter the year the round opens",
            id="no year",
        ),
        pytest.param(
            lambda w, d: _round(w, w.round.name, d, d + datetime.timedelta(days=9)),
            "The partnership already has a round called 2026 round.",
            id="a name the partnership has",
        ),
    ],
)
def test_a_round_that_cannot_be_right_is_refused_with_a_message(
    lead: Client, world: World, change: object, message: str
) -> None:
    later = world.round.closes_on + datetime.timedelta(days=30)
    before = Round.objects.count()
    response = lead.post(_new(world), {**change(world, later), **_every_team(world)})  # type: ignore[operator]
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    assert Round.objects.count() == before


def test_a_lead_extends_an_open_round_but_cannot_move_its_opening(
    lead: Client, world: World
) -> None:
    url = reverse("assessments:round-dates", args=[world.round.pk])
    page = lead.get(url).text
    assert "opens_on_0" not in page  # it has opened: its opening date stays
    later = world.round.closes_on + datetime.timedelta(days=14)
    response = lead.post(url, _date("closes_on", later), follow=True)
    assert "now runs from" in response.text
    assert Round.objects.get(pk=world.round.pk).closes_on == later
    past = timezone.localdate() - datetime.timedelta(days=1)
    refused = lead.post(url, _date("closes_on", past))
    assert "The closing date must be today or later" in refused.text
    assert Round.objects.get(pk=world.round.pk).closes_on == later


def test_a_round_not_yet_open_can_have_both_dates_changed(lead: Client, world: World) -> None:
    start = world.round.closes_on + datetime.timedelta(days=10)
    upcoming = Round.objects.create(
        partnership=world.partnership,
        checklist=world.checklist,
        name="Next",
        opens_on=start,
        closes_on=start + datetime.timedelta(days=20),
    )
    url = reverse("assessments:round-dates", args=[upcoming.pk])
    new_start = start + datetime.timedelta(days=5)
    data = {
        **_date("opens_on", new_start),
        **_date("closes_on", new_start + datetime.timedelta(days=9)),
    }
    lead.post(url, data)
    upcoming.refresh_from_db()
    assert upcoming.opens_on == new_start
    overlapping = {**_date("opens_on", world.round.closes_on), **_date("closes_on", new_start)}
    assert "already runs from" in lead.post(url, overlapping).text


def test_closing_a_round_now_stops_every_team_saving(lead: Client, world: World) -> None:
    assessment = Assessment.start(team=world.team, round=world.round)
    url = reverse("assessments:round-close", args=[world.round.pk])
    assert "Close 2026 round now?" in lead.get(url).text
    response = lead.post(url, follow=True)
    assert "2026 round is closed" in response.text
    closed = Round.objects.get(pk=world.round.pk)
    assert not closed.is_open
    assert closed.closes_on == timezone.localdate() - datetime.timedelta(days=1)
    client = Client()
    sign_in(client, world.practitioner)
    saved = client.post(section_url(assessment), rate_all(assessment), follow=True)
    assert "Your answers were not saved" in saved.text
    assert not assessment.ratings.exclude(rag="unrated").exists()


@pytest.mark.parametrize("opened_days_ago", [0, 1])
def test_a_round_that_opened_today_or_yesterday_cannot_close_yet(
    lead: Client, world: World, opened_days_ago: int
) -> None:
    opened = timezone.localdate() - datetime.timedelta(days=opened_days_ago)
    Round.objects.filter(pk=world.round.pk).update(opens_on=opened)
    url = reverse("assessments:round-close", args=[world.round.pk])
    for response in (lead.get(url), lead.post(url)):
        assert response.status_code == 200
        assert "so it cannot close yet" in response.text
    assert Round.objects.get(pk=world.round.pk).is_open


def _with_teams(data: dict[str, str], *teams: int) -> dict[str, object]:
    return {**data, "teams": [str(pk) for pk in teams]}


def test_every_active_team_is_ticked_and_a_team_left_out_is_asked_nothing(
    lead: Client, world: World
) -> None:
    page = lead.get(_new(world)).text
    boxes = re.findall(r'<input[^>]*name="teams"[^>]*>', page)
    assert len(boxes) == 2
    assert all("checked" in box for box in boxes)
    start = world.round.closes_on + datetime.timedelta(days=1)
    dates = _round(world, "Next", start, start + datetime.timedelta(days=30))
    assert "Choose at least one team to take part" in lead.post(_new(world), dates).text
    lead.post(_new(world), _with_teams(dates, world.other_team.pk))
    created = Round.objects.get(name="Next")
    assert list(created.left_out.all()) == [world.team]
    assert list(created.teams_taking_part()) == [world.other_team]

    # On its opening day, the team left out sees nothing of it and cannot start it.
    today = timezone.localdate()
    Round.objects.filter(pk=world.round.pk).update(closes_on=today - datetime.timedelta(days=1))
    Round.objects.filter(pk=created.pk).update(opens_on=today)
    client = Client()
    sign_in(client, world.practitioner)
    assert "Next" not in client.get(reverse("assessments:home")).text
    start_url = reverse("assessments:start", args=[world.team.pk, created.pk])
    refused = client.post(start_url, follow=True)
    assert "is not taking part in Next" in refused.text
    assert not Assessment.objects.filter(round=created).exists()
    landing = client.get(reverse("assessments:team", args=[world.team.pk]), follow=True)
    assert "No round is open for" in landing.text
    listed = lead.get(reverse("assessments:rounds", args=[world.partnership.pk])).text
    assert "0 of 1 team<" in listed
    assert "0 of 1 teams have submitted" in lead.get(reverse("assessments:home")).text


def test_a_team_left_out_is_not_in_the_rounds_results(world: World) -> None:
    from reports import reports

    world.round.left_out.add(world.other_team)
    teams = [row.team.name for row in reports.round_data(round=world.round).rows]
    assert teams == [world.team.name]
    Assessment.start(team=world.other_team, round=world.round)  # it answered all the same
    teams = sorted(row.team.name for row in reports.round_data(round=world.round).rows)
    assert teams == sorted([world.team.name, world.other_team.name])
