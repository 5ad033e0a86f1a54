"""A round's e-mails to the teams that have not submitted: on its opening day, and reminders
before it closes (by default 14 and 3 days before), each at 9am London time on its day. Each goes
only to members of teams taking part that have not submitted, names their team, the closing date
and the link; nobody gets the same one twice (a retry, a second worker, the daily safety net), nor
more than one of a round's e-mails in a day."""

import datetime
import io
import smtplib
import threading
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.db import connections
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from assessments import tasks
from assessments.models import Assessment, Reminder, ReminderDelivery, Round, reminder_day

from .conftest import World
from .helpers import add_member, make_team, make_user, mark_submitted
from .task_backend import ImmediateUnlessLater, run_due

SITE = "https://toolkit.example.org"


def _at(monkeypatch: pytest.MonkeyPatch, when: datetime.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: when)


def _london(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _to(*messages: Any) -> list[str]:
    return sorted(address for message in messages for address in message.to)


def _upcoming(world: World, *, opens_in: int = 5, lasts: int = 30) -> Round:
    """A round of another checklist name (so that it may overlap world.round), opening later."""
    opens = timezone.localdate() + datetime.timedelta(days=opens_in)
    round_ = Round.objects.create(
        partnership=world.partnership,
        checklist=world.checklist,
        name="Next round",
        opens_on=opens,
        closes_on=opens + datetime.timedelta(days=lasts),
    )
    Round.objects.filter(pk=world.round.pk).update(
        closes_on=opens - datetime.timedelta(days=1)
    )  # no overlap with the world's round
    return round_


def _reminder(round_: Round, **day: Any) -> Reminder:
    kind = Reminder.Kind.REMINDER if day else Reminder.Kind.OPENING
    return Reminder.objects.create(round=round_, kind=kind, **day)


def _send(reminder: Reminder) -> int:
    return int(tasks.send_reminder.call(reminder.pk))


@pytest.fixture
def members(world: World) -> dict[str, User]:
    """The practitioner in world.team; two people in world.other_team; someone in a team left
    out of the round; someone inactive; someone in the other partnership."""
    other = [make_user(f"midwife{n}@example.org") for n in (1, 2)]
    for person in other:
        add_member(person, world.other_team)
    left_out_team = make_team(world.partnership, "Early Help", organisation="Council")
    left_out = make_user("early-help@example.org")
    add_member(left_out, left_out_team)
    world.round.left_out.add(left_out_team)
    gone = make_user("gone@example.org", is_active=False)
    add_member(gone, world.team)
    return {"practitioner": world.practitioner, "midwife1": other[0], "midwife2": other[1]}


def test_a_new_round_queues_its_opening_e_mail_and_two_reminders_for_nine_on_their_days(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    round_ = _upcoming(world, opens_in=5, lasts=30)
    with django_capture_on_commit_callbacks(execute=True):
        round_.set_up_emails(by=world.lead)

    reminders = list(round_.reminders.order_by("pk"))
    assert [(r.kind, r.days_before) for r in reminders] == [
        ("opening", None),
        ("reminder", 14),
        ("reminder", 3),
    ]
    assert mail.outbox == []  # on their days, not when the round is made
    queued = sorted(str(result.task.run_after) for result in ImmediateUnlessLater.waiting)
    closes = round_.closes_on
    assert queued == [
        str(_london(round_.opens_on)),
        str(_london(reminder_day(closes, 14))),
        str(_london(reminder_day(closes, 3))),
    ]


def test_a_short_round_gets_only_the_reminders_that_fall_after_its_opening_day(
    world: World,
) -> None:
    round_ = _upcoming(world, opens_in=5, lasts=10)
    round_.set_up_emails(by=world.lead)
    assert list(round_.reminders.values_list("kind", "days_before").order_by("pk")) == [
        ("opening", None),
        ("reminder", 3),
    ]


@override_settings(SITE_URL=SITE)
def test_on_its_opening_day_each_member_of_every_team_taking_part_hears_once(
    world: World,
    members: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    round_ = _upcoming(world)
    round_.left_out.add(*Round.objects.get(pk=world.round.pk).left_out.all())
    add_member(members["practitioner"], world.other_team)  # in two teams: one e-mail
    with django_capture_on_commit_callbacks(execute=True):
        round_.set_up_emails(by=world.lead)

    _at(monkeypatch, _london(round_.opens_on, 8, 59))
    assert run_due(timezone.now()) == []
    assert mail.outbox == []
    _at(monkeypatch, _london(round_.opens_on, 9, 0))
    assert run_due(timezone.now()) == [3]

    assert _to(*mail.outbox) == [
        "midwife1@example.org",
        "midwife2@example.org",
        "practitioner@example.org",
    ]
    (mine,) = [m for m in mail.outbox if m.to == ["practitioner@example.org"]]
    assert mine.subject == (
        f"Next round is open: rate your team’s workforce by "
        f"{round_.closes_on:%A} {round_.closes_on.day} {round_.closes_on:%B %Y}"
    )
    for team in (world.team, world.other_team):
        link = SITE + reverse("assessments:team-round", args=[team.pk, round_.pk])
        assert f"{team.name}: not started\n{link}\n" in mine.body
        assert f'<a href="{link}"' in str(mine.alternatives[0][0])  # type: ignore[attr-defined]
    assert "Northshire Partnership has opened Next round." in mine.body


@override_settings(SITE_URL=SITE)
def test_a_reminder_goes_only_to_members_of_teams_taking_part_that_have_not_submitted(
    world: World, members: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    mark_submitted(Assessment.start(team=world.team, round=world.round))
    started = Assessment.start(team=world.other_team, round=world.round)
    started.ratings.filter(item__code="W01").update(rag="amber")
    reminder = _reminder(world.round, days_before=3)
    _at(monkeypatch, _london(reminder.due_on()))

    assert _send(reminder) == 2
    assert _to(*mail.outbox) == ["midwife1@example.org", "midwife2@example.org"]
    message = mail.outbox[0]
    closes = world.round.closes_on
    closing = f"{closes:%A} {closes.day} {closes:%B %Y}"
    assert (
        message.subject == f"Reminder for Community Midwifery: submit your assessment by {closing}"
    )
    link = SITE + reverse("assessments:team-round", args=[world.other_team.pk, world.round.pk])
    days = (closes - reminder.due_on()).days
    assert f"closes at the end of {closing}, in {days} days." in message.body
    assert f"Community Midwifery: 1 of 3 items rated\n{link}" in message.body
    assert Reminder.objects.get(pk=reminder.pk).finished_at is not None


def test_a_reminder_run_again_sends_nothing_more(
    world: World, members: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    reminder = _reminder(world.round, send_on=timezone.localdate())
    assert _send(reminder) == 3
    Reminder.objects.filter(pk=reminder.pk).update(finished_at=None)  # re-queued, as if unsure
    assert _send(reminder) == 0
    assert len(mail.outbox) == 3


class RefusingBackend(locmem.EmailBackend):
    """A mail server that refuses every address at example.invalid, as a real one refuses an
    address that does not exist, and drops the connection after `DROP_AFTER` messages."""

    DROP_AFTER: int | None = None
    sent = 0

    def send_messages(self, messages: Any) -> int:
        if any(address.endswith("example.invalid") for m in messages for address in m.to):
            raise smtplib.SMTPRecipientsRefused({})
        drop_after = RefusingBackend.DROP_AFTER
        if drop_after is not None and RefusingBackend.sent >= drop_after:
            raise smtplib.SMTPServerDisconnected("gone")
        RefusingBackend.sent += 1
        return int(super().send_messages(messages))


@pytest.fixture
def refusing(settings: Any) -> Any:
    settings.MAILERS = {"default": {"BACKEND": "tests.test_reminders.RefusingBackend"}}
    RefusingBackend.DROP_AFTER, RefusingBackend.sent = None, 0
    return RefusingBackend


def test_an_address_the_mail_server_refuses_holds_up_nobody_and_nobody_gets_two(
    world: World, members: dict[str, User], refusing: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bounces = make_user("bounces@example.invalid")
    add_member(bounces, world.team)
    reminder = _reminder(world.round, send_on=timezone.localdate())
    for _ in range(3):  # the worker's run, then the safety net's, on the same day
        with pytest.raises(tasks.ReminderNotSentError):
            _send(reminder)
    assert _to(*mail.outbox) == [
        "midwife1@example.org",
        "midwife2@example.org",
        "practitioner@example.org",
    ]
    assert Reminder.objects.get(pk=reminder.pk).finished_at is None
    assert not ReminderDelivery.objects.filter(user=bounces).exists()

    User.objects.filter(pk=bounces.pk).update(email="bounces@example.org")  # put right
    _at(monkeypatch, timezone.now() + datetime.timedelta(days=1))
    assert _send(reminder) == 1
    assert Reminder.objects.get(pk=reminder.pk).finished_at is not None
    assert ReminderDelivery.objects.get(user=bounces).day == timezone.localdate()
    assert len(mail.outbox) == 4


def test_a_connection_lost_half_way_sends_the_rest_next_time_and_nobody_twice(
    world: World, members: dict[str, User], refusing: Any
) -> None:
    refusing.DROP_AFTER = 1
    reminder = _reminder(world.round, send_on=timezone.localdate())
    with pytest.raises(tasks.ReminderNotSentError):
        _send(reminder)
    assert len(mail.outbox) == 1
    refusing.DROP_AFTER = None
    assert _send(reminder) == 2
    assert _to(*mail.outbox) == [
        "midwife1@example.org",
        "midwife2@example.org",
        "practitioner@example.org",
    ]


def test_nobody_gets_two_of_a_rounds_e_mails_in_one_day(
    world: World, members: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    today = timezone.localdate()
    scheduled = _reminder(world.round, days_before=(world.round.closes_on - today).days)
    _at(monkeypatch, _london(today, 9))
    assert _send(scheduled) == 3
    now = _reminder(world.round, send_on=today)
    assert _send(now) == 0  # the lead pressed "send now" the same day
    assert Reminder.objects.get(pk=now.pk).finished_at is not None

    tomorrow = today + datetime.timedelta(days=1)
    _at(monkeypatch, _london(tomorrow, 10))
    again = _reminder(world.round, send_on=tomorrow)
    assert _send(again) == 3
    assert len(mail.outbox) == 6


def test_another_rounds_e_mail_the_same_day_still_goes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one-a-day rule is for a round: a person in the other partnership's round too is
    reminded by both of their leads."""
    add_member(world.practitioner, world.outsider_team)
    today = timezone.localdate()
    assert _send(_reminder(world.round, send_on=today)) == 1
    assert _send(_reminder(world.outsider_round, send_on=today)) == 2
    assert _to(*mail.outbox) == [
        "outsider@example.org",
        "practitioner@example.org",
        "practitioner@example.org",
    ]


def test_the_reminders_move_with_the_closing_date(
    world: World,
    members: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    reminder = _reminder(world.round, days_before=3)
    old_day = reminder_day(world.round.closes_on, 3)
    with django_capture_on_commit_callbacks(execute=True):
        reminder.queue()
        Round.objects.filter(pk=world.round.pk).update(
            closes_on=world.round.closes_on + datetime.timedelta(days=7)
        )
        Round.objects.get(pk=world.round.pk).reschedule_emails()

    _at(monkeypatch, _london(old_day, 9))
    assert run_due(timezone.now()) == [0]  # the old day's task: not due any more
    _at(monkeypatch, _london(old_day + datetime.timedelta(days=7), 9))
    assert run_due(timezone.now()) == [3]
    assert len(mail.outbox) == 3


def test_a_reminder_whose_round_has_closed_is_not_sent(
    world: World, members: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    reminder = _reminder(world.round, days_before=3)
    closes = world.round.closes_on
    Round.objects.filter(pk=world.round.pk).update(closes_on=timezone.localdate())  # closed early
    _at(monkeypatch, _london(closes - datetime.timedelta(days=3)))
    assert _send(reminder) == 0
    assert Reminder.objects.get(pk=reminder.pk).state() == Reminder.State.CLOSED
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [(datetime.date(2027, 6, 14), 8), (datetime.date(2027, 12, 13), 9)],
    ids=["summer (BST)", "winter (GMT)"],
)
def test_the_e_mails_go_at_nine_in_london_summer_and_winter(
    world: World, day: datetime.date, utc_hour: int
) -> None:
    Round.objects.filter(pk=world.round.pk).update(
        opens_on=day - datetime.timedelta(days=20), closes_on=day + datetime.timedelta(days=3)
    )
    reminder = Reminder.objects.select_related("round").get(
        pk=_reminder(world.round, days_before=3).pk
    )
    assert reminder.run_after() == datetime.datetime(
        day.year, day.month, day.day, utc_hour, tzinfo=datetime.UTC
    )


def test_on_the_closing_day_a_reminder_at_half_past_eleven_at_night_still_goes(
    world: World, members: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    closing_day = datetime.date(2027, 6, 30)
    Round.objects.filter(pk=world.round.pk).update(
        opens_on=datetime.date(2027, 6, 1), closes_on=closing_day
    )
    _at(monkeypatch, datetime.datetime(2027, 6, 30, 22, 30, tzinfo=datetime.UTC))  # 23:30 BST
    reminder = _reminder(world.round, send_on=closing_day)
    assert _send(reminder) == 3
    assert "closes at the end of today, Wednesday 30 June 2027." in mail.outbox[0].body


def test_the_daily_command_sends_what_a_stopped_worker_missed_once(
    world: World,
    members: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    friday = timezone.localdate() + datetime.timedelta(days=10)
    friday += datetime.timedelta(days=(4 - friday.weekday()) % 7)
    Round.objects.filter(pk=world.round.pk).update(closes_on=friday)
    due = _reminder(world.round, days_before=3)  # its task was lost with the worker's queue
    later = _reminder(world.round, days_before=1)
    day = friday - datetime.timedelta(days=2)  # Wednesday, the day after it was due
    _at(monkeypatch, _london(day, 7))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("queue_due_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == 3  # the missed one, at once
    assert Reminder.objects.get(pk=due.pk).finished_at is not None
    assert Reminder.objects.get(pk=later.pk).finished_at is None  # tomorrow's waits
    with django_capture_on_commit_callbacks(execute=True):
        call_command("queue_due_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == 3


def test_two_workers_sending_two_reminders_at_once_e_mail_each_person_once(
    world: World, transactional_db: None
) -> None:
    """Threads on their own connections, as workers would be: two run one reminder and two
    another due the same day (a lead pressed "send now" twice). On PostgreSQL they really
    overlap."""
    for n in range(30):
        add_member(make_user(f"person{n}@example.org"), [world.team, world.other_team][n % 2])
    today = timezone.localdate()
    first = _reminder(world.round, send_on=today)
    second = _reminder(world.round, send_on=today)
    barrier = threading.Barrier(4)
    outcomes: list[Any] = [None] * 4

    def worker(index: int, reminder_id: int) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = tasks.send_reminder.call(reminder_id)
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            outcomes[index] = repr(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=(i, [first.pk, second.pk][i % 2])) for i in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert sum(outcomes) == 31
    addresses = _to(*mail.outbox)
    assert len(addresses) == 31
    assert len(set(addresses)) == 31
    assert ReminderDelivery.objects.filter(sent_at__isnull=False).count() == 31


@pytest.mark.parametrize(
    ("days_before", "sent_on"),
    [(1, "Fri 2027-01-15"), (2, "Fri 2027-01-15"), (3, "Fri 2027-01-15"), (4, "Thu 2027-01-14")],
)
def test_a_reminder_that_falls_on_a_weekend_goes_on_the_friday_before(
    world: World, days_before: int, sent_on: str
) -> None:
    Round.objects.filter(pk=world.round.pk).update(
        opens_on=datetime.date(2026, 12, 1),
        closes_on=datetime.date(2027, 1, 18),  # a Monday
    )
    reminder = _reminder(Round.objects.get(pk=world.round.pk), days_before=days_before)
    assert f"{reminder.due_on():%a %Y-%m-%d}" == sent_on
