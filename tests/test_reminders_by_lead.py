"""The lead's page for a round's e-mails: every e-mail with its day and state, reminders added
(with a message for each day that cannot work) and removed, and a reminder sent now, after the
lead has seen whom it reaches. The links in the e-mails open the team's assessment in that
round."""

import datetime
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.forms import ReminderForm
from assessments.models import Assessment, Reminder, Round, reminder_day
from partnerships.models import Team

from .conftest import World
from .helpers import add_member, make_user, mark_submitted, sign_in

# Committed, so that what a request queues once it commits runs, as a worker would run it.
pytestmark = pytest.mark.django_db(transaction=True)


def _page(world: World) -> str:
    return reverse("assessments:reminders", args=[world.round.pk])


def _now(world: World) -> str:
    return reverse("assessments:remind-now", args=[world.round.pk])


def test_creating_a_round_lists_its_opening_e_mail_and_two_reminders(
    lead: Client, world: World
) -> None:
    opens = world.round.closes_on + datetime.timedelta(days=1)
    closes = opens + datetime.timedelta(days=42)
    data: dict[str, Any] = {"name": "2027 round", "checklist": str(world.checklist.pk)}
    for field, day in [("opens_on", opens), ("closes_on", closes)]:
        data |= {f"{field}_0": day.day, f"{field}_1": day.month, f"{field}_2": day.year}
    data["teams"] = [str(world.team.pk), str(world.other_team.pk)]
    lead.post(reverse("assessments:round-new", args=[world.partnership.pk]), data)
    created = Round.objects.get(name="2027 round")

    page = lead.get(reverse("assessments:reminders", args=[created.pk])).text
    assert "The round is open" in page
    assert "Reminder 14 days before closing" in page
    assert "Reminder 3 days before closing" in page
    three_days = reminder_day(closes, 3)
    assert f"{three_days:%A} {three_days.day} {three_days:%B %Y}" in page
    assert page.count(">Scheduled</strong>") == 3
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("", "Enter how many days before the closing date"),
        ("seven", "Enter the number of days as a whole number, like 7"),
        ("-1", "Enter a number of days from 0 to 365"),
        ("366", "Enter a number of days from 0 to 365"),
        ("3", "There is already a reminder 3 days before the closing date"),
        ("40", "which is not after the opening day"),  # the round opened 10 days ago
        ("30", "which is not after today: enter fewer days, or send a reminder now"),
    ],
)
def test_a_reminder_on_a_day_that_cannot_work_is_refused_with_a_message(
    lead: Client, world: World, days: str, message: str
) -> None:
    Reminder.objects.create(round=world.round, kind=Reminder.Kind.REMINDER, days_before=3)
    response = lead.post(_page(world), {"days_before": days})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    assert world.round.reminders.count() == 1


def test_a_lead_adds_a_reminder_and_removes_one_not_yet_sent(lead: Client, world: World) -> None:
    response = lead.post(_page(world), {"days_before": "7"}, follow=True)
    day = reminder_day(world.round.closes_on, 7)
    assert f"will be reminded on {day:%A} {day.day} {day:%B %Y}" in response.text
    added = world.round.reminders.get(days_before=7)
    assert mail.outbox == []  # not its day yet

    remove = reverse("assessments:reminder-remove", args=[added.pk])
    assert lead.get(remove).status_code == 405
    assert "is removed" in lead.post(remove, follow=True).text
    assert not world.round.reminders.exists()


def test_a_reminder_already_sent_cannot_be_removed(lead: Client, world: World) -> None:
    lead.post(_now(world))
    (sent,) = world.round.reminders.all()
    lead.post(reverse("assessments:reminder-remove", args=[sent.pk]))
    assert world.round.reminders.filter(pk=sent.pk).exists()
    page = lead.get(_page(world)).text
    assert "Reminder sent now" in page
    assert "to 1 person" in page


def test_sending_a_reminder_now_says_whom_it_reaches_then_sends_it(
    lead: Client, world: World
) -> None:
    for n in range(3):
        add_member(make_user(f"midwife{n}@example.org"), world.other_team)
    mark_submitted(Assessment.start(team=world.team, round=world.round))

    page = lead.get(_now(world)).text
    assert "1 team has not submitted. A reminder goes to each of its 3 members" in page
    response = lead.post(_now(world), follow=True)
    assert "The reminder is being sent to 3 people." in response.text
    assert sorted(m.to[0] for m in mail.outbox) == [f"midwife{n}@example.org" for n in range(3)]
    assert "Community Midwifery" in mail.outbox[0].subject


def test_a_second_reminder_the_same_day_is_not_offered_and_not_sent(
    lead: Client, world: World
) -> None:
    lead.post(_now(world))
    assert len(mail.outbox) == 1
    page = lead.get(_now(world)).text
    assert "has already had one of this round’s e-mails today" in page
    assert "Send the reminder" not in page
    lead.post(_now(world))  # posted all the same
    assert world.round.reminders.count() == 1
    assert len(mail.outbox) == 1


def test_a_closed_round_offers_no_reminder(lead: Client, world: World) -> None:
    Round.objects.filter(pk=world.round.pk).update(
        closes_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert "The round is not open, so there is nobody to remind." in lead.get(_now(world)).text
    lead.post(_now(world))
    assert not world.round.reminders.exists()
    assert "Add a reminder" not in lead.get(_page(world)).text


def test_the_rounds_page_links_to_each_rounds_e_mails(lead: Client, world: World) -> None:
    page = lead.get(reverse("assessments:rounds", args=[world.partnership.pk])).text
    assert f'href="{_page(world)}"' in page


def test_the_e_mails_link_opens_the_teams_assessment_in_that_round(
    client: Client, world: World
) -> None:
    sign_in(client, world.practitioner)
    link = reverse("assessments:team-round", args=[world.team.pk, world.round.pk])
    response = client.get(link)
    assessment = Assessment.objects.get(team=world.team, round=world.round)
    assert response.url == reverse("assessments:edit", args=[assessment.pk])  # type: ignore[attr-defined]


def test_the_link_to_a_round_not_yet_open_or_left_out_says_so(client: Client, world: World) -> None:
    sign_in(client, world.practitioner)
    Round.objects.filter(pk=world.round.pk).update(
        opens_on=timezone.localdate() + datetime.timedelta(days=2)
    )
    link = reverse("assessments:team-round", args=[world.team.pk, world.round.pk])
    assert "opens on" in client.get(link, follow=True).text
    world.round.left_out.add(world.team)
    assert "is not taking part in" in client.get(link, follow=True).text
    assert not Assessment.objects.filter(team=world.team).exists()


def test_neither_the_opening_e_mail_nor_one_sent_now_can_be_removed(
    lead: Client, world: World
) -> None:
    opening = Reminder.objects.create(round=world.round, kind=Reminder.Kind.OPENING)
    now = Reminder.objects.create(
        round=world.round, kind=Reminder.Kind.REMINDER, send_on=timezone.localdate()
    )
    for reminder in (opening, now):
        lead.post(reverse("assessments:reminder-remove", args=[reminder.pk]))
    assert world.round.reminders.count() == 2


def test_the_same_reminder_posted_twice_at_once_is_added_once(
    lead: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second of two posts at once passes the form's check before the first is saved."""
    Reminder.objects.create(round=world.round, kind=Reminder.Kind.REMINDER, days_before=7)
    monkeypatch.setattr(ReminderForm, "clean_days_before", lambda form: 7)
    response = lead.post(_page(world), {"days_before": "7"})
    assert response.status_code == 302
    assert world.round.reminders.filter(days_before=7).count() == 1


def test_on_the_opening_day_a_reminder_waits_for_the_opening_e_mail(
    lead: Client, world: World
) -> None:
    Round.objects.filter(pk=world.round.pk).update(opens_on=timezone.localdate())
    Reminder.objects.create(round=world.round, kind=Reminder.Kind.OPENING)
    assert "send a reminder from tomorrow" in lead.get(_now(world)).text
    lead.post(_now(world))
    assert world.round.reminders.count() == 1
    assert mail.outbox == []


def test_a_reminder_still_being_sent_is_not_sent_again(lead: Client, world: World) -> None:
    Reminder.objects.create(
        round=world.round, kind=Reminder.Kind.REMINDER, send_on=timezone.localdate()
    )
    assert "is still being sent" in lead.get(_now(world)).text
    lead.post(_now(world))
    assert world.round.reminders.count() == 1


def test_an_inactive_teams_link_does_not_start_the_round(client: Client, world: World) -> None:
    Team.objects.filter(pk=world.team.pk).update(is_active=False)
    sign_in(client, world.practitioner)
    link = reverse("assessments:team-round", args=[world.team.pk, world.round.pk])
    assert "is not taking part in" in client.get(link, follow=True).text
    assert not Assessment.objects.filter(team=world.team).exists()
