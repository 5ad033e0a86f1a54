"""A partnership lead keeps the action plan in a real browser: from the rounds, the plan; an
action for the top gap with a mistake first, then a second one; one moved on with a note; the
asks of the board written, and the board paper downloaded and read. axe-core checks every page
and state on the way, at 1280 and 320 px."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from pytest_django.live_server_helper import LiveServer

from assessments.models import Action, Assessment, Round
from checklists.models import Checklist
from reports import tasks
from reports.models import ReportFile

from ..helpers import (
    add_lead,
    make_partnership,
    make_round,
    make_team,
    make_user,
    mark_submitted,
)
from .conftest import assert_accessible_at_any_width, new_context, sign_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def round_(live_server: LiveServer, transactional_db: None) -> Round:
    """A round where two teams submitted, both rating W06 Red and saying what they will do."""
    call_command("loaddata", Path(settings.BASE_DIR) / "fixtures" / "checklist.json", verbosity=0)
    partnership = make_partnership("Lakeside Partnership")
    round_ = make_round(partnership, Checklist.objects.get(), name="2026 workforce round")
    for name in ("Health Visiting West", "Little Acorns Nursery"):
        assessment = Assessment.start(team=make_team(partnership, name), round=round_)
        assessment.ratings.update(rag="green")
        assessment.ratings.filter(item__code="W06").update(
            rag="red", next_step=f"{name}: ask for observation training"
        )
        mark_submitted(assessment)
    add_lead(make_user("lead@example.org", full_name="Lee Lead"), partnership)
    return round_


def _add_action(page: Page, what: str, owner: str, due: tuple[str, str, str]) -> None:
    page.fill("#id_what", what)
    page.fill("#id_owner_name", owner)
    for part, value in enumerate(due):
        page.fill(f"#id_due_on_{part}", value)
    page.click("text=Save action")


def test_a_lead_plans_two_actions_for_the_top_gap_and_moves_one_on(
    browser: Browser, live_server: LiveServer, round_: Round
) -> None:
    page = new_context(browser).new_page()
    sign_in_page(page, live_server.url, "lead@example.org")
    page.goto(f"{live_server.url}/partnerships/{round_.partnership_id}/rounds/")
    page.click(f"text=Action plan of {round_.name}")
    expect(page.locator("h1")).to_have_text("Action plan")
    assert_accessible_at_any_width(page, "an action plan with no actions")

    page.click("text=Add an action for W06")
    expect(page.locator("main")).to_contain_text("Health Visiting West: ask for observation")
    assert_accessible_at_any_width(page, "adding an action")
    _add_action(page, "", "Sam Lee", ("31", "2", "2027"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter what will be done")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a real due date")
    assert_accessible_at_any_width(page, "adding an action, with mistakes")
    page.get_by_label("Health visiting", exact=True).check()
    _add_action(page, "Observation training for health visitors", "Sam Lee", ("28", "2", "2027"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("action for W06 is saved")

    page.click("text=Add an action for W06")
    _add_action(
        page, "Nursery key workers shadow the parent-infant team", "Ash Khan", ("1", "6", "2025")
    )
    expect(page.locator("main")).to_contain_text("overdue")  # a past date is kept and flagged
    assert_accessible_at_any_width(page, "an action plan with actions")

    page.click("text=Observation training for health visitors")
    assert_accessible_at_any_width(page, "an action")
    page.get_by_label("In progress", exact=True).check()
    page.click("text=Save status")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter what has happened")
    assert_accessible_at_any_width(page, "an action's status, with a mistake")
    page.fill("#id_note", "Twelve of twenty places booked for March")
    page.click("text=Save status")
    expect(page.locator("main")).to_contain_text("Twelve of twenty places booked for March")
    assert_accessible_at_any_width(page, "an action with its history")
    page.click("text=Change the action")
    assert_accessible_at_any_width(page, "changing an action")

    page.goto(f"{live_server.url}/partnerships/{round_.partnership_id}/rounds/")
    page.click(f"text=Board paper of {round_.name}")
    expect(page.locator("h1")).to_have_text("Board paper")
    assert_accessible_at_any_width(page, "the board paper")
    page.fill("#id_asks", "Fund twenty places on observation training")
    page.click("text=Save the asks")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("asks of the board")
    assert_accessible_at_any_width(page, "the board paper, asks saved")
    # Rendered in the background a moment ago for the actions, so the new asks wait for the
    # next render, a minute after that one: the lead is told. When the worker has rendered it,
    # the page says so without reloading, and the button downloads it.
    page.click("text=Download the board paper (PDF)")
    expect(page.locator("h1")).to_have_text("Your board paper is being prepared")
    expect(page.locator("main")).to_contain_text("Download the paper from")  # the last one made
    assert_accessible_at_any_width(page, "the board paper being prepared")
    tasks.render(ReportFile.objects.get(round=round_, scope=""))  # as the worker would
    status = page.locator(".app-preparing__status")
    expect(status).to_have_text("Your board paper is ready.", timeout=10_000)
    with page.expect_download() as download:
        page.click("text=Check again and download")
    reader = PdfReader(download.value.path())
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    assert "Executive summary" in text
    assert (
        "Planned: Nursery key workers shadow the parent-infant team (Planned, due 1 Jun 2025, "
        "overdue); Observation training for health visitors (In progress, due 28 Feb 2027)"
    ) in text
    assert "Nothing planned yet" not in text  # the other items are all Green: no gaps
    in_plan = text[text.index("Action plan What the partnership") :]
    moved_on = (
        r"Observation training for health visitors Latest \(\d+ \w+ \d+\): Twelve of twenty "
        r"places booked for March Sam Lee 28 Feb 2027 In progress"
    )
    assert re.search(moved_on, in_plan)
    assert "shadow the parent-infant team Ash Khan 1 Jun 2025 Planned Overdue" in in_plan
    assert "Trends" in text
    assert "first round of this checklist, so there are no trends yet" in text
    assert "Asks of the board Fund twenty places on observation training" in text

    statuses = dict(Action.objects.values_list("owner_name", "status"))
    assert statuses == {"Sam Lee": "in_progress", "Ash Khan": "planned"}
    assert list(Action.objects.get(owner_name="Sam Lee").team_types) == ["health_visiting"]
