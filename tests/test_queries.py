"""Pages run the same number of queries whatever the size of the checklist or partnership."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Action, Assessment

from .helpers import (
    add_lead,
    add_member,
    make_checklist,
    make_partnership,
    make_round,
    make_team,
    make_user,
    mark_submitted,
    rate_all,
    section_url,
    sign_in,
)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _assessment_with_items(items: int, name: str) -> tuple[Client, Assessment]:
    partnership = make_partnership(f"{name} partnership")
    team = make_team(partnership, f"{name} team", organisation=f"{name} org")
    checklist = make_checklist(items=items, name=f"{name} checklist")
    earlier = make_round(
        partnership, checklist, name="Earlier", opens_days_ago=400, closes_in_days=-300
    )
    previous = Assessment.start(team=team, round=earlier)
    previous.ratings.update(rag="amber", evidence="Last year")
    mark_submitted(previous)
    round_ = make_round(partnership, checklist)
    user = make_user(f"{name.lower()}@example.org")
    add_member(user, team)
    assessment = Assessment.start(team=team, round=round_)
    client = Client()
    sign_in(client, user)
    client.post(section_url(assessment), rate_all(assessment))
    return client, assessment


def test_the_assessment_pages_run_the_same_queries_for_11_and_60_items(db: None) -> None:
    small_client, small = _assessment_with_items(11, "Small")
    large_client, large = _assessment_with_items(60, "Large")
    for route in ("edit", "section", "check", "history"):  # edit: the task list
        counts = [
            _queries(client, section_url(assessment))
            if route == "section"
            else _queries(client, reverse(f"assessments:{route}", args=[assessment.pk]))
            for client, assessment in ((small_client, small), (large_client, large))
        ]
        assert counts[0] == counts[1], route
        assert counts[0] <= 15, route


def test_the_home_page_runs_the_same_queries_for_5_and_200_teams(db: None) -> None:
    counts = []
    for teams in (5, 200):
        partnership = make_partnership(f"P{teams}")
        checklist = make_checklist(items=11, name=f"C{teams}")
        round_ = make_round(partnership, checklist)
        lead = make_user(f"lead{teams}@example.org")
        add_lead(lead, partnership)
        for number in range(teams):
            team = make_team(partnership, f"Team {number}", organisation=f"Org {number % 7}")
            add_member(lead, team)
            if number % 2:
                Assessment.start(team=team, round=round_)
        client = Client()
        sign_in(client, lead)
        counts.append(_queries(client, reverse("assessments:home")))
    assert counts[0] == counts[1]


def test_the_team_report_runs_the_same_queries_for_more_items_and_actions(db: None) -> None:
    counts = []
    for items, actions, name in ((11, 2, "Small"), (60, 40, "Large")):
        client, assessment = _assessment_with_items(items, name)
        for number in range(actions):
            action = Action.objects.create(
                partnership=assessment.round.partnership,
                round=assessment.round,
                item_code=f"W{number % items + 1:02d}",
                what=f"Action {number}",
                owner_name="Sam Lee",
            )
            action.organisations.set([assessment.team.organisation])
        counts.append(_queries(client, reverse("reports:team-report", args=[assessment.pk])))
    assert counts[0] == counts[1]
