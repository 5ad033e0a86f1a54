"""The team report: the team's answers beside its last round's, with how each moved, and the
partnership's actions that concern the team (for every team, its team type or its
organisation), never another team's or another partnership's."""

import datetime
import io
from collections.abc import Sequence
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments.models import Action, Assessment, Round
from checklists.models import Checklist
from partnerships.models import Organisation, Partnership, Team, TeamType
from reports import pdf

from .helpers import (
    add_member,
    make_checklist,
    make_last_year,
    make_partnership,
    make_round,
    make_team,
    make_user,
    mark_submitted,
    pdf_text,
    sign_in,
)


def _report(assessment: Assessment) -> str:
    return pdf_text(pdf.team_report(assessment=assessment))


def _answered(team: Team, round_: Round, rags: list[str]) -> Assessment:
    assessment = Assessment.start(team=team, round=round_)
    for code, rag in zip(["W01", "W02", "W03"], rags, strict=True):
        assessment.ratings.filter(item__code=code).update(rag=rag)
    return assessment


@pytest.fixture
def checklist(db: None) -> Checklist:
    return make_checklist(items=3)


@pytest.fixture
def partnership(db: None) -> Partnership:
    return make_partnership()


@pytest.fixture
def round_(partnership: Partnership, checklist: Checklist) -> Round:
    return make_round(partnership, checklist, name="2026 round")


@pytest.fixture
def team(partnership: Partnership) -> Team:
    return make_team(partnership, "Health Visiting East")


def test_last_round_is_beside_this_one_with_how_each_item_moved(round_: Round, team: Team) -> None:
    make_last_year(round_, team, rag="amber")
    text = _report(_answered(team, round_, ["green", "amber", "red"]))
    assert "Compared with Last year" in text
    assert "Items since Last year: 1 better, 1 worse, 1 the same." in text
    assert "W01 Statement 1 Amber Green Better" in text
    assert "W02 Statement 2 Amber Amber Same" in text
    assert "W03 Statement 3 Amber Red Worse" in text


def test_a_first_round_says_there_is_nothing_to_compare_with(round_: Round, team: Team) -> None:
    text = _report(_answered(team, round_, ["green", "amber", "red"]))
    assert "No earlier round: this is the partnership's first." in text
    assert "Items since " not in text
    assert "W01 Statement 1 – Green – – " in text  # a dash for last round, no movement word


def test_a_team_that_did_not_submit_last_round_is_told_so(
    partnership: Partnership, round_: Round, team: Team
) -> None:
    other = make_team(partnership, "Early Help", organisation="Council")
    earlier = make_last_year(round_, other, rag="red")
    Assessment.start(team=team, round=earlier.round).ratings.update(rag="green")  # a draft
    text = _report(_answered(team, round_, ["green", "amber", "red"]))
    assert "Last year, when your team's answers did not count (not submitted)" in text
    assert "Items since " not in text
    assert "W01 Statement 1 – Green" in text


def test_items_of_an_earlier_checklist_version_are_matched_by_code(
    partnership: Partnership, round_: Round, team: Team
) -> None:
    older = round_.checklist
    newer = older.new_draft_version()
    newer.publish()
    Round.objects.filter(pk=round_.pk).update(checklist=newer)
    round_.refresh_from_db()
    earlier = make_round(partnership, older, name="Old version round")
    Round.objects.filter(pk=earlier.pk).update(
        opens_on=round_.opens_on - datetime.timedelta(days=365),
        closes_on=round_.opens_on - datetime.timedelta(days=300),
    )
    before = Assessment.start(team=team, round=earlier)
    before.ratings.update(rag="red")
    mark_submitted(before)
    text = _report(_answered(team, round_, ["green", "red", "red"]))
    assert "Items since Old version round: 1 better, 0 worse, 2 the same." in text
    assert "W01 Statement 1 Red Green Better" in text
    assert "W02 Statement 2 Red Red Same" in text


def test_the_team_sees_the_actions_that_concern_it_and_no_others(
    partnership: Partnership, round_: Round, team: Team
) -> None:
    nursery = make_team(
        partnership,
        "Little Acorns",
        organisation="Acorns Ltd",
        team_type=TeamType.EARLY_YEARS_SETTING,
    )
    ours = team.organisation
    theirs = nursery.organisation

    def action(
        what: str,
        *,
        organisations: Sequence[Organisation] = (),
        of: Partnership = partnership,
        in_round: Round = round_,
        item_code: str = "W01",
        **fields: Any,
    ) -> None:
        made = Action.objects.create(
            partnership=of,
            round=in_round,
            item_code=item_code,
            what=what,
            owner_name="Sam Lee",
            **fields,
        )
        made.organisations.set(organisations)

    action("Every team's plan", due_on=timezone.localdate() - datetime.timedelta(days=1))
    action("Our trust's plan", organisations=[ours], item_code="W02")
    action("Health visiting's plan", team_types=[TeamType.HEALTH_VISITING])
    action("Nursery group's plan", organisations=[theirs])
    action("Early years settings' plan", team_types=[TeamType.EARLY_YEARS_SETTING])
    action(
        "Our trust's early years plan",
        organisations=[ours],
        team_types=[TeamType.EARLY_YEARS_SETTING],
    )
    other = make_partnership("Other Partnership")
    action("Their secret plan", of=other, in_round=make_round(other, round_.checklist))
    last_year = make_last_year(round_, team, rag="red").round
    action("Carried plan", in_round=last_year, item_code="W03")

    text = _report(_answered(team, round_, ["red", "red", "red"]))
    assert "What the partnership is doing that concerns your team" in text
    for shown in ["Every team's plan", "Our trust's plan", "Health visiting's plan"]:
        assert shown in text
    assert "Planned Overdue" in text
    assert "Carried plan" in text
    assert "Carried from Last year" in text
    for hidden in [
        "Nursery group's plan",
        "Early years settings' plan",
        "Our trust's early years plan",
        "Their secret plan",
    ]:
        assert hidden not in text

    their_text = _report(_answered(nursery, round_, ["red", "red", "red"]))
    assert "Nursery group's plan" in their_text
    assert "Early years settings' plan" in their_text
    assert "Our trust's plan" not in their_text


def test_with_no_actions_the_report_says_so(round_: Round, team: Team) -> None:
    text = _report(_answered(team, round_, ["red", "red", "red"]))
    assert "The partnership has recorded no actions that concern your team" in text


def test_the_report_says_when_its_data_was_read(round_: Round, team: Team) -> None:
    text = _report(_answered(team, round_, ["red", "red", "red"]))
    today = timezone.localtime()
    assert f"Data read {today:%-d %B %Y}, " in text


def test_a_member_downloads_their_team_report_with_its_actions(
    client: Client, round_: Round, team: Team
) -> None:
    assessment = _answered(team, round_, ["red", "red", "red"])
    mark_submitted(assessment)
    Action.objects.create(
        partnership=round_.partnership,
        round=round_,
        item_code="W01",
        what="Every team's plan",
        owner_name="Sam Lee",
    )
    member = make_user("member@example.org")
    add_member(member, team)
    sign_in(client, member)
    response = client.get(reverse("reports:team-report", args=[assessment.pk]))
    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Every team's plan" in text
