"""Real people in a real browser: the practitioner's whole journey by keyboard, without
JavaScript, the conflict between two people, and axe-core on every page they see."""

import re
from base64 import b32decode
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django_otp.oath import TOTP
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from assessments.management.commands.load_demo_data import DEMO_PASSWORD
from assessments.models import Assessment, Rating, Round
from checklists.models import Checklist

from ..helpers import (
    PASSWORD,
    add_lead,
    add_member,
    make_partnership,
    make_round,
    make_team,
    make_user,
    mark_submitted,
)
from .conftest import assert_accessible, assert_accessible_at_any_width, assert_fits, new_context

pytestmark = pytest.mark.browser


@dataclass
class Journey:
    url: str
    round: Round
    practitioner: User
    colleague: User
    lead: User


@pytest.fixture
def journey(live_server: LiveServer, transactional_db: None) -> Journey:
    call_command("loaddata", Path(settings.BASE_DIR) / "fixtures" / "checklist.json", verbosity=0)
    partnership = make_partnership("Lakeside Partnership")
    team = make_team(partnership, "Health Visiting West")
    round_ = make_round(partnership, Checklist.objects.get(), name="2026 workforce round")
    practitioner = make_user("practitioner@example.org", full_name="Pat Practitioner")
    colleague = make_user("colleague@example.org", full_name="Casey Colleague")
    lead = make_user("lead@example.org", full_name="Lee Lead")
    add_member(practitioner, team)
    add_member(colleague, team)
    add_lead(lead, partnership)
    return Journey(live_server.url, round_, practitioner, colleague, lead)


def tab_to(page: Page, selector: str, limit: int = 400) -> None:
    """Press Tab until the element matching selector has focus, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def sign_in_by_keyboard(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/sign-in/")
    tab_to(page, "#id_username")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/")


def sign_in(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/sign-in/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button.govuk-button")
    page.wait_for_url(f"{url}/")


@contextmanager
def two_browsers(
    browser: Browser, url: str, first: str, second: str
) -> Iterator[tuple[Page, Page]]:
    """Two people (or one person on two computers), each signed in in a browser of their own."""
    contexts = new_context(browser), new_context(browser)
    pages = contexts[0].new_page(), contexts[1].new_page()
    sign_in(pages[0], url, first)
    sign_in(pages[1], url, second)
    try:
        yield pages
    finally:
        for context in contexts:
            context.close()


def rate_by_keyboard(page: Page, item_id: int, arrow_presses: int, evidence: str) -> None:
    """Focus the item's radios, pick Red (0), Amber (1) or Green (2), then write evidence."""
    tab_to(page, f'input[name="item-{item_id}-rag"]')
    page.keyboard.press("Space")
    for _ in range(arrow_presses):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type(evidence)


def sections(round_: Round) -> list[list[tuple[int, str]]]:
    """The checklist's sections in order, each as its items' (id, code) in order."""
    return [
        list(section.items.order_by("order", "code").values_list("pk", "code"))
        for section in round_.checklist.sections.order_by("order", "pk")
    ]


def press(page: Page, selector: str) -> None:
    """Tab to a link or button and press Enter, as a keyboard user would."""
    tab_to(page, selector)
    page.keyboard.press("Enter")


def task(number: int) -> str:
    """The task list's link to its n-th section (from 1)."""
    return f'.govuk-task-list__item:nth-child({number}) a[href*="/sections/"]'


SAVE_AND_CONTINUE = 'main .govuk-button-group button[value="continue"]'
SAVE_AND_RETURN = 'main .govuk-button-group button[value="save"]'


def test_a_practitioner_rates_every_item_by_keyboard_saves_resumes_and_submits(
    browser: Browser, journey: Journey
) -> None:
    context = new_context(browser)
    page = context.new_page()
    sign_in_by_keyboard(page, journey.url, "practitioner@example.org")
    assert_accessible_at_any_width(page, "the home page")
    expect(page.locator("main")).to_contain_text("Not started")

    press(page, "main button.govuk-button")  # Start
    page.wait_for_url("**/assessments/*/")
    tasks = page.url
    expect(page.locator(".govuk-task-list__status").first).to_have_text("Not yet started")
    expect(page.locator("main")).to_contain_text("Cannot start yet")
    assert_accessible_at_any_width(page, "the task list, nothing started")
    parts = sections(journey.round)
    assert [len(part) for part in parts] == [3, 3, 3, 2]

    press(page, task(1))
    page.wait_for_url("**/sections/*/")
    expect(page.locator("h1")).to_have_text("Understanding development")
    assert_accessible_at_any_width(page, "a section page")
    for item_id, code in parts[0]:
        rate_by_keyboard(page, item_id, 1, f"Evidence for {code}")
    press(page, SAVE_AND_RETURN)
    page.wait_for_url(tasks)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("are saved")
    expect(page.locator(".govuk-task-list__status").first).to_have_text("Completed")
    expect(page.locator(".govuk-task-list__status").nth(1)).to_have_text("Not yet started")
    assert_accessible_at_any_width(page, "the task list, one section completed")

    page.goto(f"{journey.url}/")  # another day: from the home page
    expect(page.locator("main")).to_contain_text("3 of 11 rated")
    press(page, "main a.govuk-button")  # Continue
    page.wait_for_url(tasks)
    press(page, task(2))
    for number, part in enumerate(parts[1:], start=2):
        page.wait_for_url("**/sections/*/")
        expect(page.locator(".govuk-caption-l")).to_contain_text(f"Section {number} of 4")
        for item_id, code in part:
            rate_by_keyboard(page, item_id, 2, f"Evidence for {code}")
        press(page, SAVE_AND_CONTINUE)
    page.wait_for_url("**/check/")  # every section complete: straight to check
    expect(page.locator("h1")).to_have_text("Check your answers before submitting")
    assert_accessible_at_any_width(page, "check your answers")

    # Change an answer from check your answers: its section opens at it, and saving comes back.
    w05 = next(item_id for item_id, code in parts[1] if code == "W05")
    press(page, 'a[href$="#item-W05"]')
    page.wait_for_url("**/sections/*/?return=check#item-W05")
    expect(page.locator(f'input[name="item-{w05}-rag"][value="green"]')).to_be_checked()
    assert_accessible_at_any_width(page, "a section opened from check your answers")
    tab_to(page, f'input[name="item-{w05}-rag"]:checked')
    page.keyboard.press("ArrowUp")  # Green to Amber
    press(page, SAVE_AND_CONTINUE)  # "Save and return to check your answers"
    page.wait_for_url("**/check/")
    expect(page.locator("#answer-W05")).to_contain_text("Amber")

    press(page, "main form button.govuk-button")
    page.wait_for_url("**/submitted/")
    expect(page.locator(".govuk-panel__title")).to_have_text("Assessment submitted")
    assert_accessible_at_any_width(page, "the confirmation page")

    assessment = Assessment.objects.get()
    assert assessment.status == Assessment.Status.SUBMITTED
    rags = dict(assessment.ratings.values_list("item__code", "rag"))
    expected = {code: "amber" for _, code in parts[0]} | {
        code: "green" for part in parts[1:] for _, code in part
    }
    assert rags == {**expected, "W05": "amber"}
    assert Rating.objects.get(assessment=assessment, item__code="W03").evidence == (
        "Evidence for W03"
    )

    page.goto(f"{journey.url}/assessments/{assessment.pk}/")
    expect(page.locator("main")).to_contain_text("cannot be changed unless your partnership lead")
    assert page.locator('input[type="radio"]').count() == 0
    assert_accessible_at_any_width(page, "the read-only assessment page")
    context.close()


def test_the_whole_journey_works_without_javascript(browser: Browser, journey: Journey) -> None:
    context = new_context(browser, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, journey.url, "practitioner@example.org")
    page.click("main button.govuk-button")  # Start
    page.wait_for_url("**/assessments/*/")
    page.click(task(1))

    parts = sections(journey.round)
    first = parts[0][0][0]
    page.fill(f"#id_item-{first}-evidence", "x" * 2001)
    page.click(SAVE_AND_CONTINUE)
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "W01, what tells you this: Write 2,000 characters or fewer"
    )
    page.fill(f"#id_item-{first}-evidence", "Short")
    for part in parts:
        for item_id, _ in part:
            page.check(f'input[name="item-{item_id}-rag"][value="red"]')
        page.click(SAVE_AND_CONTINUE)
    page.wait_for_url("**/check/")
    page.click("main form button.govuk-button")
    page.wait_for_url("**/submitted/")
    expect(page.locator(".govuk-panel__title")).to_have_text("Assessment submitted")
    assert set(Rating.objects.values_list("rag", flat=True)) == {"red"}
    context.close()


def test_submitting_with_gaps_lists_the_unrated_items(browser: Browser, journey: Journey) -> None:
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, journey.url, "practitioner@example.org")
    page.click("main button.govuk-button")
    page.wait_for_url("**/assessments/*/")
    tasks = page.url
    page.click(task(1))
    first = sections(journey.round)[0][0][0]
    page.fill(f"#id_item-{first}-next_step", "y" * 2001)
    page.click(SAVE_AND_CONTINUE)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("W01, what you will do next: Write 2,000 characters or fewer")
    expect(summary).to_be_focused()
    expect(page.locator(f"#id_item-{first}-next_step-error")).to_be_visible()
    assert_accessible_at_any_width(page, "a section page with errors")
    page.fill(f"#id_item-{first}-next_step", "Book training")
    page.click(SAVE_AND_CONTINUE)
    page.wait_for_url("**/sections/*/")
    page.goto(f"{tasks}check/")  # not offered yet, but a bookmark still opens it
    page.click("main form button.govuk-button")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Rate every item before you submit")
    assert summary.locator("a").count() == 11
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to the summary
    assert_accessible_at_any_width(page, "check your answers with errors")
    summary.locator("a").nth(4).click()  # W05, in the second section
    page.wait_for_url("**/sections/*/?return=check#item-W05")
    expect(page.locator("h1")).to_have_text("Relationships")
    context.close()


def test_two_people_editing_at_once_get_the_conflict_page_and_choose(
    browser: Browser, journey: Journey
) -> None:
    people = ("practitioner@example.org", "colleague@example.org")
    with two_browsers(browser, journey.url, *people) as (me, colleague):
        me.click("main button.govuk-button")
        me.wait_for_url("**/assessments/*/")
        tasks = me.url
        me.click(task(1))
        me.wait_for_url("**/sections/*/")
        colleague.goto(me.url)
        w01 = journey.round.checklist.items.get(code="W01")

        colleague.check(f'input[name="item-{w01.pk}-rag"][value="green"]')
        colleague.fill(f"#id_item-{w01.pk}-evidence", "Colleague says all trained")
        colleague.click(SAVE_AND_RETURN)
        colleague.wait_for_url(tasks)

        me.check(f'input[name="item-{w01.pk}-rag"][value="red"]')
        me.fill(f"#id_item-{w01.pk}-evidence", "I say nobody trained")
        me.click(SAVE_AND_RETURN)
        expect(me.locator("h1")).to_have_text("Someone else has changed this assessment")
        expect(me.locator("main")).to_contain_text("Colleague says all trained")
        expect(me.locator("main")).to_contain_text("I say nobody trained")
        assert_accessible_at_any_width(me, "the conflict page")
        rating = Rating.objects.get(item=w01)
        assert rating.evidence == "Colleague says all trained"

        me.click("button.govuk-button")  # without choosing: an error, nothing saved
        expect(me.locator(".govuk-error-summary")).to_contain_text(
            "W01: choose which answer to keep"
        )
        assert_accessible_at_any_width(me, "the conflict page with errors")
        me.check("text=Keep my answer")
        me.click("button.govuk-button")
        me.wait_for_url(tasks)
        rating.refresh_from_db()
        assert (rating.rag, rating.evidence) == ("red", "I say nobody trained")


def test_the_timeout_warning_extends_the_session_and_nothing_typed_is_lost(
    browser: Browser, journey: Journey, settings: Any
) -> None:
    """A short idle limit: the warning opens halfway (min(two minutes, half the limit))."""
    settings.SESSION_COOKIE_AGE = 16
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, journey.url, "practitioner@example.org")
    page.click("main button.govuk-button")  # Start
    page.click(task(1))
    first = sections(journey.round)[0][0][0]
    evidence = f"#id_item-{first}-evidence"
    page.fill(evidence, "Typed before the warning")
    dialog = page.locator("#timeout-warning")

    expect(dialog).to_be_visible(timeout=15_000)
    expect(dialog.get_by_role("heading")).to_have_text("You’re about to be signed out")
    # Focus moves into it, and it is named and described, so a screen reader reads it out.
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()
    expect(dialog).to_have_accessible_name("You’re about to be signed out")
    expect(dialog).to_have_accessible_description(re.compile(r"we will sign you out in \d+"))
    assert_accessible_at_any_width(page, "the timeout warning")
    page.keyboard.press("Escape")  # stays signed in, as the button does
    expect(dialog).to_be_hidden()
    expect(page.locator(evidence)).to_be_focused()  # back where the person was

    expect(dialog).to_be_visible(timeout=15_000)  # the extended session nears its end too
    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()

    expect(dialog.get_by_role("heading")).to_have_text("You have been signed out", timeout=30_000)
    expect(dialog).to_have_accessible_name("You have been signed out")
    assert_accessible_at_any_width(page, "the timeout warning once signed out")
    dialog.get_by_role("button", name="Close").click()
    expect(page.locator(evidence)).to_have_value("Typed before the warning")
    page.wait_for_timeout(2_000)  # past the end on the server too
    page.click(SAVE_AND_RETURN)
    page.wait_for_url("**/sign-in/**")
    expect(page.locator("main")).to_contain_text("we will put back what you typed")
    assert_accessible_at_any_width(page, "signing in again after a save arrived signed out")
    settings.SESSION_COOKIE_AGE = 3600  # from here an ordinary session
    page.fill("#id_username", "practitioner@example.org")
    page.fill("#id_password", PASSWORD)
    page.click("main button.govuk-button")
    page.wait_for_url("**/sections/*/")
    expect(page.locator(evidence)).to_have_value("Typed before the warning")
    assert_accessible_at_any_width(page, "a section with what was typed put back")
    page.click(SAVE_AND_RETURN)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("are saved")
    assert Rating.objects.get(item_id=first).evidence == "Typed before the warning"
    context.close()


def test_a_save_after_the_session_ended_without_javascript_loses_nothing(
    browser: Browser, journey: Journey, settings: Any
) -> None:
    """No script, so no warning: the laptop sleeps past the idle limit, then the person saves.
    (axe needs script: these pages are checked in the test above.)"""
    settings.SESSION_COOKIE_AGE = 6
    context = new_context(browser, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, journey.url, "practitioner@example.org")
    page.click("main button.govuk-button")  # Start
    page.click(task(1))
    first = sections(journey.round)[0][0][0]
    typed = ("Ŵyn a ŷd 🙂 supervision notes; " * 70)[:2000]  # Welsh, emoji, 2,000 characters
    page.fill(f"#id_item-{first}-evidence", typed)
    page.check(f'input[name="item-{first}-rag"][value="amber"]')
    page.wait_for_timeout(8_000)  # past the idle limit
    page.click(SAVE_AND_CONTINUE)
    page.wait_for_url("**/sign-in/**")
    expect(page.locator("main")).to_contain_text("we will put back what you typed")
    settings.SESSION_COOKIE_AGE = 3600  # awake again: an ordinary session from here
    page.fill("#id_username", "practitioner@example.org")
    page.fill("#id_password", PASSWORD)
    page.click("main button.govuk-button")
    page.wait_for_url("**/sections/*/")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("It is not saved yet")
    expect(page.locator(f"#id_item-{first}-evidence")).to_have_value(typed)  # byte for byte
    expect(page.locator(f'input[name="item-{first}-rag"][value="amber"]')).to_be_checked()
    assert Rating.objects.get(item_id=first).evidence == ""  # nothing saved signed out
    page.click(SAVE_AND_RETURN)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("are saved")
    saved = Rating.objects.get(item_id=first)
    assert (saved.rag, saved.evidence) == ("amber", typed)
    context.close()


def test_sign_in_and_error_pages_are_accessible(page: Page, journey: Journey) -> None:
    page.goto(f"{journey.url}/sign-in/")
    assert_accessible_at_any_width(page, "the sign-in page")
    page.fill("#id_username", "practitioner@example.org")
    page.fill("#id_password", "wrong")
    page.click("main button.govuk-button")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible_at_any_width(page, "the sign-in page with an error")
    page.goto(f"{journey.url}/password-reset/")
    assert_accessible_at_any_width(page, "the password reset page")
    sign_in(page, journey.url, "practitioner@example.org")
    page.goto(f"{journey.url}/assessments/999999/")
    expect(page.locator("h1")).to_have_text("Page not found")
    assert_accessible_at_any_width(page, "the not-found page")


def test_answers_carried_forward_block_submitting_until_each_is_confirmed(
    page: Page, journey: Journey
) -> None:
    team = journey.practitioner.memberships.get().team
    last = make_round(
        journey.round.partnership,
        journey.round.checklist,
        name="2025 workforce round",
        opens_days_ago=400,
        closes_in_days=-300,
    )
    earlier = Assessment.start(team=team, round=last)
    earlier.ratings.update(rag="amber", evidence="Some trained", next_step="Train the rest")
    mark_submitted(earlier)
    Assessment.start(team=team, round=journey.round)

    sign_in(page, journey.url, "practitioner@example.org")
    page.click("main a.govuk-button")  # Continue, on the team's card: the task list
    page.wait_for_url("**/assessments/*/")
    tasks = page.url
    page.get_by_role("button", name="Start from last round's ratings").click()
    expect(page.locator(".govuk-notification-banner").first).to_contain_text("Copied")
    statuses = page.locator(".govuk-task-list__status")
    for number in range(4):  # each section's state is one of its own
        expect(statuses.nth(number)).to_have_text("Carried forward: confirm or change")
    expect(statuses.nth(4)).to_have_text("Cannot start yet")
    assert_accessible_at_any_width(page, "the task list with answers carried forward")
    page.click(task(1))
    assert page.locator(".govuk-tag--pink").count() == 3
    assert_accessible_at_any_width(page, "a section with answers carried forward")

    page.goto(f"{tasks}check/")
    page.click("text=Submit assessment")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Confirm or change every answer carried forward")
    assert_accessible_at_any_width(page, "submitting with answers to confirm")
    summary.get_by_role("link").first.click()  # to the first item, in its section
    page.wait_for_url("**/sections/*/?return=check#item-W01")
    page.locator("button[name=confirm]").first.click()
    expect(page.locator(".govuk-notification-banner").first).to_contain_text("1 answer confirmed.")
    assert_accessible_at_any_width(page, "a section after confirming one answer")
    # Each section in turn, from the error summary: confirm its answers, back to check.
    while True:
        while page.locator("button[name=confirm_section]").count():  # a section's confirm-all
            page.locator("button[name=confirm_section]").first.click()
        while page.locator("button[name=confirm]").count():  # sections of one item have none
            page.locator("button[name=confirm]").first.click()
        assert page.locator(".govuk-tag--pink").count() == 0
        page.click(SAVE_AND_CONTINUE)  # "Save and return to check your answers"
        page.wait_for_url("**/check/")
        page.click("text=Submit assessment")
        if "/submitted/" in page.url:
            break
        page.locator(".govuk-error-summary").get_by_role("link").first.click()
    expect(page.locator("h1")).to_contain_text("submitted")


def test_the_help_accessibility_privacy_and_cookies_pages_fit_any_width(
    page: Page, journey: Journey
) -> None:
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{journey.url}/sign-in/")
        for link in ("Help and contact", "Accessibility statement", "Privacy", "Cookies"):
            page.locator("footer").get_by_role("link", name=link, exact=True).click()
            expect(page.locator("h1")).to_be_visible()
            what = f"the {link.lower()} page at {width} px"
            assert_fits(page, what)
            assert_accessible(page, what)


def test_a_lead_reopens_and_the_history_shows_it(browser: Browser, journey: Journey) -> None:
    assessment = Assessment.start(
        team=journey.practitioner.memberships.get().team, round=journey.round
    )
    assessment.ratings.update(rag="amber", evidence="Ok")
    mark_submitted(assessment)

    context = new_context(browser)
    page = context.new_page()
    sign_in(page, journey.url, "lead@example.org")
    assert_accessible_at_any_width(page, "the lead's home page")
    page.click("text=Health Visiting West")
    assert_accessible_at_any_width(page, "the lead's read-only view")
    page.click("text=Reopen for the team")
    assert_accessible_at_any_width(page, "the reopen page")
    page.fill("#id_reason", "Please add evidence for W10")
    page.click("main button.govuk-button")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Reopened")
    page.click("text=See who changed what")
    expect(page.locator("main")).to_contain_text("Please add evidence for W10")
    assert_accessible_at_any_width(page, "the history page")
    context.close()


def test_the_leads_pages_are_accessible_and_reflow_at_200_and_400_percent(
    browser: Browser, journey: Journey
) -> None:
    team = journey.practitioner.memberships.get().team
    assessment = Assessment.start(team=team, round=journey.round)
    assessment.ratings.update(rag="red", evidence="Few trained")
    mark_submitted(assessment)

    context = new_context(browser)
    page = context.new_page()
    sign_in(page, journey.url, "lead@example.org")
    page.click("text=See the results and gaps")
    expect(page.locator("h1")).to_contain_text("results")
    expect(page.locator(".app-heatmap")).to_contain_text("Health Visiting West")
    assert_accessible_at_any_width(page, "the lead's dashboard")

    dashboard = page.url
    page.set_viewport_size({"width": 640, "height": 900})  # 1280 px wide at 200% zoom
    page.reload()
    assert_fits(page, "the lead's dashboard at 200% zoom")
    assert_accessible(page, "the lead's dashboard at 200% zoom")

    for url, what in (  # 320 px: 1280 px wide at 400% zoom
        (f"{journey.url}/", "the lead's home page"),
        (dashboard, "the lead's dashboard"),
        (f"{journey.url}/assessments/{assessment.pk}/", "a team's answers, read-only"),
        (f"{journey.url}/assessments/{assessment.pk}/history/", "the assessment's history"),
        (f"{journey.url}/account/", "the account page"),
    ):
        page.goto(url)
        assert_accessible_at_any_width(page, what)
    context.close()


def test_a_person_changes_their_password_and_signs_out_elsewhere(
    browser: Browser, journey: Journey
) -> None:
    devices = ("practitioner@example.org", "practitioner@example.org")
    with two_browsers(browser, journey.url, *devices) as (page, other):
        page.click("text=Your account")
        expect(page.locator("h1")).to_have_text("Your account")
        assert_accessible_at_any_width(page, "the account page")
        page.click("text=Sign out of all other devices")
        expect(page.locator(".govuk-notification-banner")).to_contain_text(
            "signed out of every other device"
        )
        assert_accessible_at_any_width(page, "the account page with its message")
        other.goto(f"{journey.url}/")
        expect(other).to_have_url(f"{journey.url}/sign-in/?next=/")

        page.click("a:has-text('Change')")
        expect(page.locator("h1")).to_have_text("Change your password")
        assert_accessible_at_any_width(page, "the change password page")
        page.fill("#id_old_password", "not my password")
        page.fill("#id_new_password1", "quiet meadow lantern 1987")
        page.fill("#id_new_password2", "quiet meadow lantern 1987")
        page.click("main button.govuk-button")
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "current password is not right"
        )
        assert_accessible_at_any_width(page, "the change password page with an error")
        page.fill("#id_old_password", PASSWORD)
        page.fill("#id_new_password1", "quiet meadow lantern 1987")
        page.fill("#id_new_password2", "quiet meadow lantern 1987")
        page.click("main button.govuk-button")
        expect(page.locator(".govuk-notification-banner")).to_contain_text(
            "Your password has been changed"
        )


class Phone:
    """The administrator's authenticator app, set up from the key written on the page."""

    def __init__(self, written_key: str) -> None:
        self.key = b32decode(written_key.replace(" ", ""))
        self.last_used = -1

    def code(self) -> str:
        totp = TOTP(self.key)
        if totp.t() <= self.last_used:  # a code works once; the app's next one is accepted
            totp.drift = self.last_used - totp.t() + 1
        self.last_used = totp.t()
        return f"{totp.token():06d}"


def sign_in_to_the_admin(page: Page, url: str) -> None:
    page.goto(f"{url}/admin/")
    page.fill("#id_username", "admin@example.org")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main button.govuk-button")


def enter_code(page: Page, code: str) -> None:
    page.fill("#id_code", code)
    page.click("main button:has-text('Continue')")


def test_the_demo_administrator_sets_up_an_app_and_signs_in_with_codes(
    page: Page, live_server: LiveServer, transactional_db: None
) -> None:
    url = live_server.url
    call_command("load_demo_data", throwaway_database=True, stdout=StringIO())
    # The demo app works only while DEBUG is on; here, as on a real site, it is reset first.
    call_command("reset_second_factor", "admin@example.org", stdout=StringIO())

    sign_in_to_the_admin(page, url)
    expect(page.locator("h1")).to_have_text("Set up an authenticator app")
    expect(page.locator("main")).to_contain_text("Administrators can change what others see")
    assert_accessible_at_any_width(page, "the forced set-up page")
    page.click("text=I cannot scan the QR code")
    phone = Phone(page.locator("#setup-key").inner_text())
    enter_code(page, "12345")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the 6 digits")
    assert_accessible_at_any_width(page, "the set-up page with an error")
    enter_code(page, phone.code())

    expect(page.locator("h1")).to_have_text("Your backup codes")
    codes = page.locator("#backup-codes li").all_inner_texts()
    assert len(set(codes)) == 10
    assert_accessible_at_any_width(page, "the backup codes page")
    page.click("text=I have kept my codes, continue")
    expect(page.locator("#site-name")).to_contain_text("IMH workforce toolkit administration")

    page.click("header button:has-text('Sign out'), #logout-form button")
    sign_in_to_the_admin(page, url)
    expect(page.locator("h1")).to_have_text("Enter the code from your authenticator app")
    assert_accessible_at_any_width(page, "the code page")
    enter_code(page, f"{(int(phone.code()) + 1) % 1_000_000:06d}")
    expect(page.locator(".govuk-error-summary")).to_contain_text("That code is not right")
    assert_accessible_at_any_width(page, "the code page with a wrong code")
    page.wait_for_timeout(1_100)  # django-otp waits a second after a wrong code, as people do
    phone.last_used -= 1  # the wrong guess did not use up the app's current code
    enter_code(page, phone.code())
    expect(page.locator("#site-name")).to_contain_text("IMH workforce toolkit administration")

    for attempt in ("first", "second"):
        page.click("#logout-form button")
        sign_in_to_the_admin(page, url)
        enter_code(page, codes[0])
        if attempt == "first":
            expect(page.locator(".messagelist")).to_contain_text("You have 9 left")
        else:
            expect(page.locator(".govuk-error-summary")).to_contain_text("not right")

    page.wait_for_timeout(1_100)
    enter_code(page, codes[1])
    page.goto(f"{url}/account/")
    expect(page.locator("main")).to_contain_text("8 left")
    assert_accessible_at_any_width(page, "the account page with an app set up")
    page.click("text=Make new ones")
    expect(page.locator("main")).to_contain_text("You have 8 backup codes left")
    assert_accessible_at_any_width(page, "the backup codes page without codes")
