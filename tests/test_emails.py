"""The e-mails a team gets when its assessment is submitted or reopened: built from three
templates with links written out in full, one per member, sent once however often the task
runs, and never for a change that did not happen."""

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.db import connections
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts import emails
from assessments import tasks
from assessments.models import Assessment, NotReadyToSubmitError, Rating

from .conftest import World
from .helpers import add_member, make_user, reopened_email

SITE = "https://toolkit.example.org"


def _ready(world: World) -> Assessment:
    assessment = Assessment.start(team=world.team, round=world.round)
    Rating.objects.filter(assessment=assessment).update(rag="green", evidence="Audit")
    return assessment


def _html(message: mail.EmailMessage) -> str:
    ((html, mimetype),) = message.alternatives  # type: ignore[attr-defined]
    assert mimetype == "text/html"
    return str(html)


@override_settings(SITE_URL=SITE)
def test_each_member_is_told_the_assessment_was_submitted(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    colleague = make_user("colleague@example.org")
    add_member(colleague, world.team)
    gone = make_user("gone@example.org", is_active=False)
    add_member(gone, world.team)
    assessment = _ready(world)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assessment.submit(by=world.practitioner)

    assert sorted(message.to[0] for message in mail.outbox) == [
        "colleague@example.org",
        "practitioner@example.org",
    ]
    assert all(len(message.to) == 1 and not message.cc for message in mail.outbox)
    message = mail.outbox[0]
    subject = f"{world.team.name} has submitted its assessment for {world.round.name}"
    assert message.subject == subject
    answers = SITE + reverse("assessments:edit", args=[assessment.pk])
    assert "Pat Practitioner submitted" in message.body
    when = timezone.localtime(Assessment.objects.get(pk=assessment.pk).submitted_at)
    assert f"on {when.day} {when:%B %Y} at {when:%H:%M}." in message.body  # London time
    assert answers in message.body
    assert f'<a href="{answers}"' in _html(message)
    assert '<html lang="en-GB">' in _html(message)


@override_settings(SITE_URL=SITE)
def test_a_reopened_assessment_tells_the_team_the_leads_reason(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    assessment = _ready(world)
    assessment.submit(by=world.practitioner)
    mail.outbox.clear()
    reason = "Please add <b>W03</b> & the audit\nfrom March " + "x" * 300
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assessment.reopen(by=world.lead, reason=reason)

    (message,) = mail.outbox
    assert message.to == ["practitioner@example.org"]
    assert "reopened" in message.subject
    assert reason in message.body  # plain text: as typed
    html = _html(message)
    assert "&lt;b&gt;W03&lt;/b&gt; &amp; the audit" in html  # HTML: escaped, never markup
    assert "<b>W03</b>" not in html
    assert SITE + reverse("assessments:edit", args=[assessment.pk]) in message.body


def test_nothing_is_sent_for_a_submission_that_was_refused(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    assessment = Assessment.start(team=world.team, round=world.round)  # nothing rated
    with (
        django_capture_on_commit_callbacks(execute=True),  # type: ignore[operator]
        pytest.raises(NotReadyToSubmitError),
    ):
        assessment.submit(by=world.practitioner)
    assert mail.outbox == []


def test_the_task_run_again_sends_nothing_more(world: World) -> None:
    assessment = _ready(world)
    assessment.submit(by=world.practitioner)
    when = Assessment.objects.get(pk=assessment.pk).submitted_at
    assert when is not None
    mail.outbox.clear()
    assert tasks.tell_team_submitted.call(assessment.pk, when.isoformat()) == 1
    assert tasks.tell_team_submitted.call(assessment.pk, when.isoformat()) == 0  # a retry
    assert len(mail.outbox) == 1


def test_a_submission_reopened_before_its_e_mail_went_sends_nothing(world: World) -> None:
    assessment = _ready(world)
    assessment.submit(by=world.practitioner)
    when = Assessment.objects.get(pk=assessment.pk).submitted_at
    assert when is not None
    assessment.reopen(by=world.lead, reason="Not yet")
    mail.outbox.clear()
    assert tasks.tell_team_submitted.call(assessment.pk, when.isoformat()) == 0
    assert mail.outbox == []


def test_two_workers_running_the_same_task_send_one_e_mail(
    world: World, transactional_db: None
) -> None:
    assessment = _ready(world)
    Assessment.objects.filter(pk=assessment.pk).update(
        status=Assessment.Status.SUBMITTED, submitted_at="2026-11-30T10:00:00+00:00"
    )

    def run() -> int:
        try:
            return int(tasks.tell_team_submitted.call(assessment.pk, "2026-11-30T10:00:00+00:00"))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(4) as pool:
        sent = list(pool.map(lambda _: run(), range(4)))
    assert sorted(sent) == [0, 0, 0, 1]
    assert len(mail.outbox) == 1


def test_without_a_mail_server_e_mails_are_printed_as_people_read_them() -> None:
    stream = io.StringIO()
    message = reopened_email(
        round_name="2026 round",
        reason="W06’s evidence is from before the restructure",
        assessment_url="http://127.0.0.1:8000/assessments/22/",
    )
    emails.ReadableConsoleBackend(stream=stream).send_messages([message])
    printed = stream.getvalue()
    assert "To: pat@example.org\n" in printed
    assert "Subject: Family Hubs East’s assessment for 2026 round has been reopened\n" in printed
    assert "W06’s evidence is from before the restructure\n" in printed  # no =E2=80=99
    assert "by 15 January 2027:\nhttp://127.0.0.1:8000/assessments/22/\n" in printed
    assert "[Printed by the console mail backend." in printed
