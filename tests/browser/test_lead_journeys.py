"""A partnership lead who is not an administrator sets up their partnership in a real browser:
the template, a spreadsheet with mistakes, its preview, the corrected file, the confirmation;
a round, with its mistakes, its dates changed, a reminder sent now, one closed early.
Then the person they invited follows the e-mailed link, chooses a password and lands on their
team's assessment. axe-core checks every page and state on the way, at 1280 and 320 px."""

import datetime
import re
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from assessments.models import Assessment, Reminder, Round
from checklists.models import Checklist
from partnerships.models import Invitation, Partnership, Team, TeamMembership

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
from .conftest import assert_accessible_at_any_width, new_context, sign_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def partnership(live_server: LiveServer, transactional_db: None) -> Partnership:
    call_command("loaddata", Path(settings.BASE_DIR) / "fixtures" / "checklist.json", verbosity=0)
    partnership = make_partnership("Lakeside Partnership")
    make_team(partnership, "Health Visiting West", organisation="Lakeside NHS Trust")
    make_round(partnership, Checklist.objects.get(), name="2026 workforce round")
    lead = make_user("lead@example.org", full_name="Lee Lead")  # not staff
    add_lead(lead, partnership)
    return partnership


def _filled_template(template: Path, rows: list[list[object]], to: Path) -> Path:
    """The downloaded template with its example rows replaced by ours, as a lead fills it."""
    book = openpyxl.load_workbook(template)
    sheet = book["People"]
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        sheet.append(row)
    book.save(to)
    return to


def _people(email_of_ben: str) -> list[list[object]]:
    hub = [
        "Lakeside Council",
        "Local authority",
        "Family Hub North",
        "Family hub or children's centre",
    ]
    return [
        [*hub, 12, "Asha", "Begum", "asha@example.org", "team lead"],
        [*hub, 12, "Ben", "Cole", email_of_ben, "member"],
        [
            "Lakeside Council",
            "Council",
            "Family Hub South",
            "Family hub or children's centre",
            8,
            "Cara",
            "Dunn",
            "cara@example.org",
            "member",
        ],
    ]


def test_a_lead_brings_in_people_from_the_template(
    browser: Browser, live_server: LiveServer, partnership: Partnership, tmp_path: Path
) -> None:
    context = new_context(browser, accept_downloads=True)
    page = context.new_page()
    url = live_server.url
    sign_in_page(page, url, "lead@example.org")
    page.click("text=People and invitations")
    assert_accessible_at_any_width(page, "people and invitations, nobody yet")
    page.click("text=Add people from a spreadsheet")
    expect(page.locator("h1")).to_have_text("Add people from a spreadsheet")
    assert_accessible_at_any_width(page, "the upload page")

    with page.expect_download() as download:
        page.click("text=Download the template (Excel, .xlsx)")
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    page.click("main form button.govuk-button")  # nothing chosen
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the spreadsheet")
    assert_accessible_at_any_width(page, "the upload page with an error")

    wrong = _filled_template(template, _people("ben@example"), tmp_path / "people.xlsx")
    page.set_input_files("#id_file", str(wrong))
    page.click("main form button.govuk-button")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Row 3, email: “ben@example” is not an email address")
    expect(summary).to_contain_text("Row 4, sector: “Council” is not a sector")
    expect(page.locator("button", has_text="Confirm and import")).to_have_count(0)
    assert_accessible_at_any_width(page, "the preview with problems")
    assert not Team.objects.filter(name="Family Hub North").exists()

    rows = _people("ben@example.org")
    rows[2][1] = "Local authority"
    fixed = _filled_template(template, rows, tmp_path / "people-fixed.xlsx")
    page.set_input_files("#id_file", str(fixed))
    page.click("main form button.govuk-button")
    expect(page.locator("h1")).to_have_text("Check the people to import")
    expect(page.locator("main")).to_contain_text("3 people to invite")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    assert_accessible_at_any_width(page, "the preview")
    page.click("text=Confirm and import")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Imported: 1 organisation added, 2 teams added, 3 people invited."
    )
    assert_accessible_at_any_width(page, "people and invitations, after the import")
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "asha@example.org",
        "ben@example.org",
        "cara@example.org",
    ]
    assert len(mail.outbox) == 3
    context.close()


def test_an_invited_person_follows_the_link_and_lands_on_their_teams_assessment(
    browser: Browser, live_server: LiveServer, partnership: Partnership
) -> None:
    team = Team.objects.get(name="Health Visiting West")
    lead_page = new_context(browser).new_page()
    sign_in_page(lead_page, live_server.url, "lead@example.org")
    lead_page.goto(f"{live_server.url}/partnerships/{partnership.pk}/invite/")
    assert_accessible_at_any_width(lead_page, "the invitation form")
    lead_page.fill("#id_email", "nia.new@example.org")
    lead_page.fill("#id_full_name", "Nia New")
    lead_page.select_option("#id_team", label="Health Visiting West (Lakeside NHS Trust)")
    lead_page.click("main form button.govuk-button")
    expect(lead_page.locator(".govuk-notification-banner")).to_contain_text(
        "An invitation is on its way to nia.new@example.org"
    )
    (message,) = mail.outbox
    link = re.search(r"http://\S+/join/\S+/", str(message.body))
    assert link is not None
    address = link.group(0).replace(settings.SITE_URL, live_server.url)

    page = new_context(browser).new_page()
    page.goto(address)
    expect(page.locator("h1")).to_have_text("Accept your invitation")
    assert_accessible_at_any_width(page, "the invitation's page")
    page.fill("#id_new_password1", "short")
    page.fill("#id_new_password2", "short")
    page.click("main form button.govuk-button")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible_at_any_width(page, "the invitation's page with errors")
    page.fill("#id_new_password1", "tangerine-kettle-harbour-42")
    page.fill("#id_new_password2", "tangerine-kettle-harbour-42")
    page.click("main form button.govuk-button")
    expect(page).to_have_url(re.compile(r"/assessments/\d+/$"))
    assessment = Assessment.objects.get(team=team)
    expect(page).to_have_url(f"{live_server.url}/assessments/{assessment.pk}/")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "You have joined Health Visiting West."
    )
    assert_accessible_at_any_width(page, "the team's assessment, just joined")
    person = User.objects.get(email="nia.new@example.org")
    assert TeamMembership.objects.filter(user=person, team=team).exists()

    page.goto(address)  # the link again, signed in: straight back to the team
    expect(page).to_have_url(f"{live_server.url}/assessments/{assessment.pk}/")
    other = new_context(browser).new_page()
    other.goto(address)  # the link again, by anyone else
    expect(other.locator("h1")).to_have_text("This invitation has already been used")
    assert_accessible_at_any_width(other, "a used invitation")
    other.goto(f"{live_server.url}/join/not-a-real-token/")
    expect(other.locator("h1")).to_have_text("This invitation link does not work")
    assert_accessible_at_any_width(other, "an unknown invitation link")

    lead_page.goto(f"{live_server.url}/partnerships/{partnership.pk}/invitations/")
    expect(lead_page.locator("tbody")).to_contain_text("Accepted")
    assert_accessible_at_any_width(lead_page, "people and invitations, one accepted")


def test_expired_and_withdrawn_invitations_say_so(
    browser: Browser, live_server: LiveServer, partnership: Partnership
) -> None:
    lead_page = new_context(browser).new_page()
    sign_in_page(lead_page, live_server.url, "lead@example.org")
    for email in ["late@example.org", "gone@example.org"]:
        lead_page.goto(f"{live_server.url}/partnerships/{partnership.pk}/invite/")
        lead_page.fill("#id_email", email)
        lead_page.select_option("#id_team", label="Health Visiting West (Lakeside NHS Trust)")
        lead_page.click("main form button.govuk-button")
        expect(lead_page).to_have_url(re.compile(r"/invitations/$"))
    links = {m.to[0]: re.search(r"/join/\S+/", str(m.body)) for m in mail.outbox}
    gone = Invitation.objects.get(email="gone@example.org")
    lead_page.goto(f"{live_server.url}/invitations/{gone.pk}/withdraw/")
    assert_accessible_at_any_width(lead_page, "withdrawing an invitation")
    lead_page.click("main form button.govuk-button")
    # Reloading before the withdrawal's redirect has landed would race the navigation.
    expect(lead_page).to_have_url(re.compile(r"/invitations/$"))
    Invitation.objects.filter(email="late@example.org").update(expires_at=timezone.now())
    lead_page.reload()
    expect(lead_page.locator("tbody")).to_contain_text("Expired")
    expect(lead_page.locator("tbody")).to_contain_text("Withdrawn")
    assert_accessible_at_any_width(lead_page, "people and invitations, expired and withdrawn")

    page = new_context(browser).new_page()
    for email, heading in [
        ("late@example.org", "This invitation has expired"),
        ("gone@example.org", "This invitation was withdrawn"),
    ]:
        found = links[email]
        assert found is not None
        page.goto(live_server.url + found.group(0))
        expect(page.locator("h1")).to_have_text(heading)
        assert_accessible_at_any_width(page, heading)


def test_someone_with_an_account_by_then_signs_in_to_accept(
    browser: Browser, live_server: LiveServer, partnership: Partnership
) -> None:
    """Invited while they had no account, and given one since (by an administrator, say): the
    link asks them to sign in rather than choose a password, then to accept."""
    lead_page = new_context(browser).new_page()
    sign_in_page(lead_page, live_server.url, "lead@example.org")
    lead_page.goto(f"{live_server.url}/partnerships/{partnership.pk}/invite/")
    lead_page.fill("#id_email", "omar@example.org")
    lead_page.select_option("#id_team", label="Health Visiting West (Lakeside NHS Trust)")
    lead_page.click("main form button.govuk-button")
    expect(lead_page.locator(".govuk-notification-banner")).to_be_visible()
    (message,) = mail.outbox
    found = re.search(r"/join/\S+/", str(message.body))
    assert found is not None
    make_user("omar@example.org", full_name="Omar Existing")

    page = new_context(browser).new_page()
    page.goto(live_server.url + found.group(0))
    expect(page.locator("h1")).to_have_text("Sign in to accept your invitation")
    assert_accessible_at_any_width(page, "signing in to accept an invitation")
    page.click("main a.govuk-button")
    page.fill("#id_username", "omar@example.org")
    page.fill("#id_password", PASSWORD)
    page.click("main button.govuk-button")
    expect(page.locator("h1")).to_contain_text("Accept")
    assert_accessible_at_any_width(page, "accepting an invitation, signed in")
    page.click("main form button.govuk-button")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have joined")
    team = Team.objects.get(name="Health Visiting West")
    assert TeamMembership.objects.filter(user__email="omar@example.org", team=team).exists()


def _fill_date(page: Page, field: str, day: datetime.date) -> None:
    page.fill(f"#id_{field}_0", str(day.day))
    page.fill(f"#id_{field}_1", str(day.month))
    page.fill(f"#id_{field}_2", str(day.year))


def _remind_now(page: Page, open_round: Round, url: str) -> None:
    """The open round's e-mails: a reminder added, with a mistake first, then one sent now to
    the team that has not submitted."""
    member = make_user("health.visitor@example.org", full_name="Hana Visitor")
    add_member(member, Team.objects.get(name="Health Visiting West"))
    page.goto(f"{url}/partnerships/{open_round.partnership_id}/rounds/")
    page.click(f"text=E-mails and reminders of {open_round.name}")
    expect(page.locator("h1")).to_have_text("E-mails and reminders")
    assert_accessible_at_any_width(page, "a round's e-mails")
    page.fill("#id_days_before", "seven")
    page.click("text=Add reminder")
    expect(page.locator(".govuk-error-summary")).to_contain_text("as a whole number")
    assert_accessible_at_any_width(page, "a round's e-mails with a mistake")
    page.fill("#id_days_before", "7")
    page.click("text=Add reminder")
    expect(page.locator("tbody")).to_contain_text("Reminder 7 days before closing")
    page.click("text=Send a reminder now")
    expect(page.locator("main")).to_contain_text("1 team has not submitted")
    assert_accessible_at_any_width(page, "sending a reminder now")
    page.click("text=Send the reminder")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The reminder is being sent to 1 person."
    )
    expect(page.locator("tbody")).to_contain_text("to 1 person")
    assert_accessible_at_any_width(page, "a round's e-mails, one sent")
    (message,) = [m for m in mail.outbox if m.to == [member.email]]
    assert message.subject.startswith("Reminder for Health Visiting West: submit your assessment")
    expect(page.locator("main")).to_contain_text("you can send a reminder again tomorrow")
    page.goto(f"{url}/rounds/{open_round.pk}/remind-now/")  # as from a bookmark
    expect(page.locator("main")).to_contain_text("already had one of this round’s e-mails today")
    assert_accessible_at_any_width(page, "a second reminder the same day")


def test_every_state_of_a_rounds_e_mails_passes_axe(
    browser: Browser, live_server: LiveServer, partnership: Partnership
) -> None:
    """The states the journey above does not reach: opening today before its e-mail has gone,
    a reminder still being sent, every team submitted, and a closed round."""
    round_ = partnership.rounds.get()
    team = Team.objects.get(name="Health Visiting West")
    add_member(make_user("hv@example.org"), team)
    page = new_context(browser).new_page()
    sign_in_page(page, live_server.url, "lead@example.org")
    reminders = f"{live_server.url}/rounds/{round_.pk}/reminders/"
    now = f"{live_server.url}/rounds/{round_.pk}/remind-now/"
    today = timezone.localdate()

    Round.objects.filter(pk=round_.pk).update(opens_on=today)
    opening = Reminder.objects.create(round=round_, kind=Reminder.Kind.OPENING)
    page.goto(now)
    expect(page.locator("main")).to_contain_text("send a reminder from tomorrow")
    assert_accessible_at_any_width(page, "a reminder on the opening day")
    page.goto(reminders)
    expect(page.locator("tbody")).to_contain_text("The round is open")
    assert_accessible_at_any_width(page, "a round's e-mails on its opening day")
    Reminder.objects.filter(pk=opening.pk).update(finished_at=timezone.now())
    Reminder.objects.create(round=round_, kind=Reminder.Kind.REMINDER, send_on=today)
    page.goto(now)
    expect(page.locator("main")).to_contain_text("is still being sent")
    assert_accessible_at_any_width(page, "a reminder still being sent")
    mark_submitted(Assessment.start(team=team, round=round_))
    page.goto(now)
    expect(page.locator("main")).to_contain_text("Every team taking part has submitted")
    assert_accessible_at_any_width(page, "a reminder when every team has submitted")
    Round.objects.filter(pk=round_.pk).update(
        opens_on=today - datetime.timedelta(days=20), closes_on=today - datetime.timedelta(days=1)
    )
    page.goto(now)
    expect(page.locator("main")).to_contain_text("The round is not open")
    assert_accessible_at_any_width(page, "a reminder in a closed round")
    page.goto(reminders)
    expect(page.locator("main")).not_to_contain_text("Add a reminder")
    assert_accessible_at_any_width(page, "a closed round's e-mails")


def test_a_lead_sets_up_a_round_changes_its_dates_and_closes_one(
    browser: Browser, live_server: LiveServer, partnership: Partnership
) -> None:
    page = new_context(browser).new_page()
    sign_in_page(page, live_server.url, "lead@example.org")
    page.click("main >> text=Rounds")
    expect(page.locator("h1")).to_have_text("Rounds")
    assert_accessible_at_any_width(page, "the rounds")
    page.click("text=Create a round")
    assert_accessible_at_any_width(page, "a new round")
    open_round = partnership.rounds.get()
    page.fill("#id_name", "2027 workforce round")
    _fill_date(page, "opens_on", open_round.closes_on)  # overlaps the open round
    page.fill("#id_closes_on_0", "31")
    page.fill("#id_closes_on_1", "2")
    page.fill("#id_closes_on_2", str(open_round.closes_on.year + 1))
    page.click("main form button.govuk-button")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a real closing date, like 27 3 2027"
    )
    assert_accessible_at_any_width(page, "a new round with a mistake")
    _fill_date(page, "closes_on", open_round.closes_on + datetime.timedelta(days=40))
    page.click("main form button.govuk-button")
    expect(page.locator(".govuk-error-summary")).to_contain_text("already runs from")
    assert_accessible_at_any_width(page, "a new round that overlaps")
    opens = open_round.closes_on + datetime.timedelta(days=1)
    _fill_date(page, "opens_on", opens)
    page.click("main form button.govuk-button")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "2027 workforce round is set up"
    )
    assert partnership.rounds.filter(name="2027 workforce round", opens_on=opens).exists()

    page.click(f"text=Change dates of {open_round.name}")
    assert_accessible_at_any_width(page, "an open round's dates")
    _remind_now(page, open_round, live_server.url)
    page.goto(f"{live_server.url}/rounds/{open_round.pk}/close/")
    assert_accessible_at_any_width(page, "closing a round")
    page.click("main form button.govuk-button")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is closed")
    expect(page.locator("tbody")).to_contain_text("Closed")
    assert not partnership.rounds.get(pk=open_round.pk).is_open
