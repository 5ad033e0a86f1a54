"""The lead's dashboard and downloads: what they show, filters, and fixed query counts."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from assessments.models import Assessment, Round
from partnerships.models import Sector, Team

from .conftest import World
from .helpers import (
    add_lead,
    make_checklist,
    make_partnership,
    make_round,
    make_team,
    make_user,
    mark_submitted,
    sign_in,
)


def _submit(team_round: tuple[Team, Round], rag: str) -> None:
    assessment = Assessment.start(team=team_round[0], round=team_round[1])
    assessment.ratings.update(rag=rag, evidence="Because")
    mark_submitted(assessment)


def test_the_dashboard_shows_completion_gaps_heatmap_and_links(
    client: Client, world: World
) -> None:
    _submit((world.team, world.round), "red")
    sign_in(client, world.lead)
    page = client.get(reverse("reports:dashboard", args=[world.round.pk])).text
    assert "1 of 2" in page
    assert "Priority gaps" in page
    assert 'role="img"' in page
    assert "Red 100%" in page  # the chart names its figures
    assert "Community Midwifery" in page  # not submitted
    assert reverse("assessments:edit", args=[Assessment.objects.get().pk]) in page
    assert reverse("reports:gap-report", args=[world.round.pk]) in page
    assert "first round, so there is nothing to compare" in page


def test_a_group_with_no_submission_says_so_rather_than_zero_percent(
    client: Client, world: World
) -> None:
    _submit((world.team, world.round), "red")  # health visiting; midwifery has not submitted
    sign_in(client, world.lead)
    page = client.get(reverse("reports:dashboard", args=[world.round.pk])).text
    by_type = page[page.index("By team type") :]
    midwifery = by_type[by_type.index("Maternity and midwifery") :]
    row = midwifery[: midwifery.index("</tr>")]
    assert "No team has submitted yet" in row
    assert "0%" not in row


def test_filters_narrow_the_dashboard_and_its_downloads(client: Client, world: World) -> None:
    other = make_team(
        world.partnership, "Family Hub North", organisation="Council", sector=Sector.LOCAL_AUTHORITY
    )
    _submit((other, world.round), "green")
    sign_in(client, world.lead)
    url = reverse("reports:dashboard", args=[world.round.pk])
    page = client.get(url, {"sector": Sector.LOCAL_AUTHORITY}).text
    assert "Family Hub North" in page
    assert "Health Visiting East" not in page
    assert "?sector=local_authority" in page  # downloads keep the filter
    bogus = client.get(url, {"sector": "mars"})
    assert bogus.status_code == 200
    assert "Health Visiting East" in bogus.text  # an unknown filter shows everything


def test_downloads_have_safe_names_and_the_right_types(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    _submit((world.team, world.round), "amber")
    sign_in(client, world.lead)
    partnership, round_id = world.partnership.pk, world.round.pk
    expected = {
        "gap-report": (
            "application/pdf",
            f"board-paper-partnership-{partnership}-round-{round_id}.pdf",
        ),
        "ratings-csv": (
            "text/csv; charset=utf-8",
            f"ratings-partnership-{partnership}-round-{round_id}.csv",
        ),
        "ratings-xlsx": (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"ratings-partnership-{partnership}-round-{round_id}.xlsx",
        ),
        "summary-export": (
            "text/csv; charset=utf-8",
            f"summary-partnership-{partnership}-round-{round_id}.csv",
        ),
        "workbook": (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"workbook-partnership-{partnership}-round-{round_id}.xlsx",
        ),
    }
    with django_capture_on_commit_callbacks(execute=True):  # the worker renders the paper
        preparing = client.get(reverse("reports:gap-report", args=[round_id]))
    assert "Your board paper is being prepared" in preparing.text
    for route, (content_type, filename) in expected.items():
        response = client.get(reverse(f"reports:{route}", args=[round_id]))
        assert response.status_code == 200, route
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    team = client.get(reverse("reports:team-report", args=[Assessment.objects.get().pk]))
    assert team.content.startswith(b"%PDF")


def _partnership_with(teams: int, tag: str) -> tuple[User, Round]:
    partnership = make_partnership(f"P{tag}")
    checklist = make_checklist(items=11, name=f"C{tag}")
    earlier = make_round(
        partnership, checklist, name="Earlier", opens_days_ago=400, closes_in_days=-300
    )
    round_ = make_round(partnership, checklist, name="Now")
    for number in range(teams):
        team = make_team(partnership, f"Team {number}", organisation=f"Org {number % 9}")
        for each in (earlier, round_):
            if number % 3:
                _submit((team, each), ["red", "amber", "green"][number % 3])
    lead = make_user(f"lead{tag}@example.org")
    add_lead(lead, partnership)
    return lead, round_


@pytest.mark.parametrize(
    "route", ["dashboard", "gap-report", "ratings-csv", "ratings-xlsx", "summary-export"]
)
def test_reports_run_the_same_queries_for_5_and_200_teams(db: None, route: str) -> None:
    counts = []
    for teams, tag in ((5, "small"), (200, "large")):
        lead, round_ = _partnership_with(teams, f"{tag}-{route}")
        client = Client()
        sign_in(client, lead)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse(f"reports:{route}", args=[round_.pk]))
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
