"""The board paper (the gap report PDF): its executive summary, the confidence rules (counts
under five teams, "No responses" for a group with none), the action plan with overdue actions
in words and nothing of another partnership's, trends across rounds, and the short paper a
filter with no teams gives."""

import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import User
from assessments.models import Action, Assessment, BoardPaper, Round
from checklists.models import Checklist
from partnerships.models import Partnership, Sector
from reports import pdf, reports

from .helpers import (
    add_lead,
    make_checklist,
    make_last_year,
    make_partnership,
    make_round,
    make_team,
    make_user,
    mark_submitted,
    pdf_text,
)


def _paper(round_: Round, filters: reports.Filters | None = None) -> str:
    return pdf_text(pdf.gap_report(data=reports.round_data(round=round_, filters=filters)))


def _submitted(round_: Round, partnership: Partnership, name: str, rags: list[str]) -> None:
    assessment = Assessment.start(team=make_team(partnership, name), round=round_)
    for code, rag in zip(["W01", "W02", "W03"], rags, strict=True):
        assessment.ratings.filter(item__code=code).update(rag=rag)
    mark_submitted(assessment)


@pytest.fixture
def checklist(db: None) -> Checklist:
    return make_checklist(items=3)


def test_under_five_teams_the_paper_gives_counts_and_says_why(checklist: Checklist) -> None:
    partnership = make_partnership()
    round_ = make_round(partnership, checklist)
    for n in range(3):
        _submitted(round_, partnership, f"Team {n}", ["red", "amber", "green"])
    make_team(partnership, "Nursery", organisation="Nursery Ltd", sector=Sector.EARLY_EDUCATION)
    text = _paper(round_)
    assert "fewer than 5 teams answered in a group, this paper gives counts" in text
    assert "W01 Statement 1 3 0 0" in text  # the priority gaps table: counts, no shares
    assert "W01 Statement 1 3 (100%)" not in text
    assert "Early education and childcare, no responses from its 1 team" in text
    assert "Early education and childcare 1 0 No responses" in text
    assert "3 are Red, 3 Amber and 3 Green (counts" in text


def test_five_teams_or_more_get_shares(checklist: Checklist) -> None:
    partnership = make_partnership()
    round_ = make_round(partnership, checklist)
    for n in range(5):
        _submitted(round_, partnership, f"Team {n}", ["red", "amber", "green"])
    text = _paper(round_)
    assert "W01 Statement 1 5 (100%) 0 (0%) 0 (0%)" in text
    assert "33% are Red, 33% Amber and 33% Green" in text


def test_the_action_plan_shows_statuses_overdue_in_words_and_only_our_actions(
    checklist: Checklist,
) -> None:
    partnership = make_partnership()
    round_ = make_round(partnership, checklist)
    _submitted(round_, partnership, "Health Visiting", ["red", "amber", "green"])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    late = Action.objects.create(
        partnership=partnership,
        round=round_,
        item_code="W01",
        what="Book observation training",
        owner_name="Sam Lee",
        due_on=yesterday,
    )
    moving = Action.objects.create(
        partnership=partnership,
        round=round_,
        item_code="W01",
        what="Start group supervision",
        owner_name="Ash Khan",
        due_on=yesterday + datetime.timedelta(days=90),
    )
    lead = make_user("lead@example.org")
    moving.change_status(status="in_progress", note="Two of three hubs started", by=lead, version=0)
    other = make_partnership("Other Partnership")
    other_round = make_round(other, checklist, name="Their round")
    Action.objects.create(
        partnership=other,
        round=other_round,
        item_code="W01",
        what="Their secret plan",
        owner_name="Someone else",
    )
    text = _paper(round_)
    assert "Book observation training Sam Lee" in text
    assert "Planned Overdue" in text
    assert "Start group supervision" in text
    assert "In progress" in text
    assert "Two of three hubs started" in text
    assert "Planned: Book observation training" in text  # the summary's top gap
    assert "Their secret plan" not in text
    assert late.is_overdue()


def test_carried_actions_and_trends_cover_every_round(checklist: Checklist) -> None:
    partnership = make_partnership()
    round_ = make_round(partnership, checklist, name="2026 round")
    team = make_team(partnership, "Health Visiting")
    last_year = make_last_year(round_, team, rag="red").round
    Action.objects.create(
        partnership=partnership,
        round=last_year,
        item_code="W02",
        what="Carried plan",
        owner_name="Sam Lee",
    )
    now = Assessment.start(team=team, round=round_)
    now.ratings.update(rag="green")
    mark_submitted(now)
    text = _paper(round_)
    assert "Carried plan" in text
    assert "Carried from Last year" in text
    # The trends table: a column per round, oldest first; counts, as one team answered.
    assert "Item Last year 2026 round" in text
    assert "W01 Red 1, Amber 0, Green 0 (of 1 team) Red 0, Amber 0, Green 1 (of 1 team)" in text
    assert "Most improved: W01 (1 teams better, 0 worse)" in text
    assert "Teams whose ratings moved" in text
    assert "Health Visiting (Northshire NHS Trust): W01 Red to Green; W02 Red to Green" in text


def test_a_first_round_says_there_are_no_trends_yet(checklist: Checklist) -> None:
    partnership = make_partnership()
    round_ = make_round(partnership, checklist)
    _submitted(round_, partnership, "Health Visiting", ["red", "amber", "green"])
    text = _paper(round_)
    assert "first round of this checklist, so there are no trends yet" in text
    assert "nothing to compare with yet" in text
    assert "Nothing planned yet." in text


def test_a_filter_that_leaves_no_teams_gives_a_short_paper_that_says_so(
    checklist: Checklist,
) -> None:
    partnership = make_partnership()
    round_ = make_round(partnership, checklist)
    _submitted(round_, partnership, "Health Visiting", ["red", "amber", "green"])
    filters = reports.Filters(team_type="housing")
    data = reports.round_data(round=round_, filters=filters)
    reader = PdfReader(io.BytesIO(pdf.gap_report(data=data)))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 2
    assert "No teams to report on" in text
    assert "Team type: Housing" in text
    assert pdf.gap_report_filename(round_=round_, filters=filters) == (
        f"board-paper-partnership-{partnership.pk}-round-{round_.pk}-team-type-housing.pdf"
    )


def test_very_long_action_text_wraps_and_is_never_clipped(checklist: Checklist) -> None:
    partnership = make_partnership()
    round_ = make_round(partnership, checklist)
    _submitted(round_, partnership, "Health Visiting", ["red", "amber", "green"])
    unbroken = "x" * 1990
    Action.objects.create(
        partnership=partnership,
        round=round_,
        item_code="W01",
        what=f"Begin{unbroken}End",
        owner_name="O" * 200,
    )
    text = _paper(round_)
    start = text.rindex("Begin")  # the action plan; the summary shortens it
    assert text[start : text.index("End", start)].replace(" ", "").count("x") == 1990


# The lead's board paper page: the asks of the board, and making the paper final.


@pytest.fixture
def led_round(checklist: Checklist) -> Round:
    partnership = make_partnership()
    round_ = make_round(partnership, checklist, name="2026 round")
    _submitted(round_, partnership, "Health Visiting", ["red", "amber", "green"])
    add_lead(make_user("lead@example.org", full_name="Lee Lead"), partnership)
    return round_


def _close(round_: Round) -> None:
    today = timezone.localdate()
    Round.objects.filter(pk=round_.pk).update(
        opens_on=today - datetime.timedelta(days=40), closes_on=today - datetime.timedelta(days=1)
    )
    round_.refresh_from_db()


def test_the_leads_asks_close_the_executive_summary(client: Client, led_round: Round) -> None:
    client.force_login(User.objects.get(email="lead@example.org"))
    url = reverse("assessments:board-paper", args=[led_round.pk])
    asks = "Fund 20 places on observation training.\nName a board sponsor for W01."
    assert client.post(url, {"asks": asks, "version": "0", "step": "save"}).status_code == 302
    text = _paper(led_round)
    assert "Asks of the board Fund 20 places on observation training." in text
    assert "Name a board sponsor for W01." in text
    assert "Prepared by Lee Lead" in text
    assert "Draft: figures may change" in text


def test_the_paper_is_final_only_after_the_round_closes(client: Client, led_round: Round) -> None:
    client.force_login(User.objects.get(email="lead@example.org"))
    url = reverse("assessments:board-paper", args=[led_round.pk])
    refused = client.post(url, {"asks": "Fund it", "version": "0", "step": "final"})
    assert "once the round has closed" in refused.content.decode()
    assert not BoardPaper.objects.exists()

    _close(led_round)
    assert client.post(url, {"asks": "Fund it", "version": "0", "step": "final"}).status_code == 302
    assert BoardPaper.of(led_round).is_final
    assert "Final: the round has closed" in _paper(led_round)
    # While final, the asks are fixed: a post that changes them changes nothing of them.
    client.post(url, {"asks": "Changed", "version": "1", "step": "save"})
    assert BoardPaper.of(led_round).asks == "Fund it"
    client.post(url, {"version": "2", "step": "draft"})
    assert not BoardPaper.of(led_round).is_final
    assert "Draft" in _paper(led_round)


def test_two_leads_changing_the_asks_at_once_lose_nothing(client: Client, led_round: Round) -> None:
    client.force_login(User.objects.get(email="lead@example.org"))
    url = reverse("assessments:board-paper", args=[led_round.pk])
    client.post(url, {"asks": "First lead's asks", "version": "0"})
    stale = client.post(url, {"asks": "Second lead's asks", "version": "0", "step": "bogus"})
    page = stale.content.decode()
    assert "Someone changed the board paper" in page
    assert "First lead&#x27;s asks" in page
    assert "Second lead&#x27;s asks" in page
    assert BoardPaper.of(led_round).asks == "First lead's asks"


def test_the_same_next_step_from_several_teams_is_given_once_with_each_team(
    checklist: Checklist,
) -> None:
    partnership = make_partnership()
    round_ = make_round(partnership, checklist)
    said = {
        "Health Visiting": "Book the spring course.",
        "Midwifery": "book  the Spring course. ",
        "Nursery": "Shadow the parent-infant team.",
    }
    for name, words in said.items():
        _submitted(round_, partnership, name, ["red", "green", "green"])
        Assessment.objects.get(team__name=name).ratings.filter(item__code="W01").update(
            next_step=words
        )
    text = _paper(round_)
    appendix = text[text.index("What the teams will do next, by item") :]
    assert appendix.count("Book the spring course.") == 1
    assert "Health Visiting, Northshire NHS Trust; Midwifery, Northshire NHS Trust: Red" in (
        appendix
    )
    assert "Shadow the parent-infant team." in appendix
