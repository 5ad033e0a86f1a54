"""The board paper (the gap report PDF): its executive summary, the confidence rules (counts
under five teams, "No responses" for a group with none), the action plan with overdue actions
in words and nothing of another partnership's, trends across rounds, and the short paper a
filter with no teams gives."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from assessments.models import Action, Assessment, Round
from checklists.models import Checklist
from partnerships.models import Partnership, Sector
from reports import pdf, reports

from .helpers import (
    make_checklist,
    make_last_year,
    make_partnership,
    make_round,
    make_team,
    make_user,
    mark_submitted,
)


def _paper(round_: Round, filters: reports.Filters | None = None) -> str:
    content = pdf.gap_report(data=reports.round_data(round=round_, filters=filters))
    reader = PdfReader(io.BytesIO(content))
    # One space for any run of whitespace: a table cell's words may be on separate lines.
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


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
    assert "W01 Last year 1 1 0 0" in text  # the trends table, oldest first, in counts
    assert "W01 2026 round 1 0 0 1" in text
    assert "Most improved: W01 (1 teams better, 0 worse)" in text


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
    assert pdf.gap_report_filename(data=data) == (
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
