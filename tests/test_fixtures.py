"""Reference and demo data load into an empty database, on SQLite and PostgreSQL alike."""

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from accounts.models import User
from assessments.models import Assessment, Reminder, Round
from checklists.models import Checklist
from partnerships.models import Invitation, Partnership, Team
from reports.models import ReportFile

from .helpers import signs_in

CHECKLIST = Path(settings.BASE_DIR) / "fixtures" / "checklist.json"


@pytest.mark.django_db
def test_the_toolkit_checklist_loads_published_with_items_w01_to_w11() -> None:
    call_command("loaddata", CHECKLIST, verbosity=0)
    checklist = Checklist.objects.get()
    assert checklist.status == Checklist.Status.PUBLISHED
    assert list(checklist.items.values_list("code", flat=True)) == [
        f"W{n:02d}" for n in range(1, 12)
    ]
    assert "UNICEF UK" in checklist.source
    assert "PEDAL" in checklist.source
    assert checklist.publication_problems() == []
    assert checklist.sections.count() == 4
    assert not checklist.items.filter(section__isnull=True).exists()


@pytest.mark.django_db
def test_demo_data_gives_every_role_something_real_and_loads_only_once() -> None:
    call_command("load_demo_data", throwaway_database=True, verbosity=0)
    call_command("load_demo_data", throwaway_database=True, verbosity=0)

    assert Partnership.objects.count() == 1
    assert Checklist.objects.count() == 2  # the toolkit's, and a follow-up of three items
    assert 12 <= Team.objects.filter(is_active=True).count() <= 16
    assert len(set(Team.objects.values_list("team_type", flat=True))) >= 10
    assert len(set(Team.objects.values_list("organisation__sector", flat=True))) >= 5

    previous, current, follow_up = Round.objects.order_by("opens_on")
    assert not previous.is_open
    assert current.is_open
    assert follow_up.opens_on == timezone.localdate() + datetime.timedelta(days=1)
    assert 0 < follow_up.teams_taking_part().count() < current.teams_taking_part().count()
    # The current round's opening e-mail went out; both rounds' reminders are still to come.
    round_emails = [(r.round.name, r.describe(), r.state()) for r in Reminder.objects.all()]
    assert (current.name, "The round is open", "sent") in round_emails
    assert (current.name, "Reminder 3 days before closing", "scheduled") in round_emails
    assert (follow_up.name, "The round is open", "scheduled") in round_emails
    assert set(previous.assessments.values_list("status", flat=True)) == {"submitted"}
    statuses = set(current.assessments.values_list("status", flat=True))
    assert statuses == {"submitted", "in_progress"}
    assert Team.objects.filter(is_active=True).exclude(assessments__round=current).exists()

    assert User.objects.get(email="admin@example.org").is_staff
    assert User.objects.get(email="lead@example.org").partnership_roles.count() == 1
    practitioner = User.objects.get(email="practitioner@example.org")
    team = practitioner.memberships.get().team
    assert Assessment.objects.get(team=team, round=current).status == "in_progress"
    states = sorted(invitation.state() for invitation in Invitation.objects.all())
    assert states == ["expired", "sent", "sent"]  # the lead has people to chase


@pytest.mark.django_db(transaction=True)  # commits for real: the loader's tasks are dropped
def test_the_demo_rounds_board_papers_are_rendered_although_its_own_tasks_were_dropped() -> None:
    call_command("load_demo_data", throwaway_database=True, verbosity=0)
    for round_ in Round.objects.all():
        paper = ReportFile.objects.get(round=round_, scope="")
        assert paper.render_queued_at is None, round_.name
        assert paper.is_current(round_), round_.name


@pytest.mark.django_db
def test_demo_logins_work_with_the_documented_password(client: Client) -> None:
    call_command("load_demo_data", throwaway_database=True, verbosity=0)
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    from assessments.management.commands.load_demo_data import DEMO_PASSWORD

    assert DEMO_PASSWORD in readme
    emails = ("admin@example.org", "lead@example.org", "practitioner@example.org")
    for email in (*emails, "family-hubs-east.lead@example.org"):
        assert email in readme
        assert signs_in(client, email, DEMO_PASSWORD), email
        client.logout()


@pytest.mark.django_db
def test_demo_data_refuses_a_production_database_and_loads_nothing(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="looks like a production database"):
        call_command("load_demo_data", verbosity=0)
    assert not User.objects.exists()
    assert not Partnership.objects.exists()
    settings.DEBUG = True  # make run: development settings need no flag
    call_command("load_demo_data", verbosity=0)
    assert User.objects.filter(email="admin@example.org").exists()


@pytest.mark.django_db
def test_each_section_appears_once_with_its_items_in_checklist_order(client: Client) -> None:
    # The toolkit's sections interleave in item order (W07 and W08 are in different sections,
    # W09 is back in the first): each section must still be one heading with all its items.
    call_command("load_demo_data", throwaway_database=True, verbosity=0)
    assert signs_in(client, "practitioner@example.org", "demo-toolkit-2026")
    practitioner = User.objects.get(email="practitioner@example.org")
    assessment = Assessment.objects.filter(
        team__memberships__user=practitioner, round__closes_on__gte="2000-01-01"
    ).latest("round__opens_on")
    expected = [
        ("Understanding development", ["W01", "W02", "W03"]),
        ("Relationships", ["W04", "W05", "W06"]),
        ("Practice and supervision", ["W07", "W09", "W10"]),
        ("Working together", ["W08", "W11"]),
    ]
    check = client.get(f"/assessments/{assessment.pk}/check/").text
    headings = [check.index(f">{title}</h2>") for title, _ in expected]
    assert headings == sorted(headings)
    for (title, codes), start, end in zip(
        expected, headings, [*headings[1:], len(check)], strict=True
    ):
        assert check.count(f">{title}</h2>") == 1, title
        positions = [check.find(f"{code}", start, end) for code in codes]
        assert -1 not in positions, codes
        assert positions == sorted(positions), codes
    # The task list: each section once, in order, and each section's page holds its items.
    tasks = client.get(f"/assessments/{assessment.pk}/").text
    links = re.findall(
        r'<a class="govuk-link govuk-task-list__link" href="([^"]+)"[^>]*>([^<]+)</a>', tasks
    )
    assert [title for _, title in links] == [title for title, _ in expected]
    for (url, _), (_, codes) in zip(links, expected, strict=True):
        page = client.get(url).text
        shown = re.findall(r'<span class="app-item__code">(W\d\d)</span>', page)
        assert shown == codes, url  # its own items, in order, and no others


@pytest.mark.django_db
def test_demo_assessments_are_made_the_way_the_app_makes_them() -> None:
    # Through start, save_answers, submit and reopen: the history names who did each step (the
    # team, and the lead who reopened), a submitted assessment has every item rated, and an
    # in-progress one was submitted only if a lead has reopened it since.
    call_command("load_demo_data", throwaway_database=True, verbosity=0)
    assessments = Assessment.objects.select_related("team").prefetch_related("ratings")
    assert assessments.count() > 20
    assert sum(assessment.is_reopened for assessment in assessments) == 1
    for assessment in assessments:
        members = set(assessment.team.memberships.values_list("user_id", flat=True))
        steps = assessment.history.order_by("history_date")
        assert steps.last().status == assessment.status
        reopener = {assessment.reopened_by_id} if assessment.is_reopened else set()
        authors = {step.history_user_id for step in steps.exclude(history_user=None)}
        assert authors <= members | reopener
        if assessment.is_submitted or assessment.is_reopened:
            assert steps.filter(status="submitted", history_user_id__in=members).exists()
            assert assessment.submitted_by_id in members
            assert all(rating.is_rated for rating in assessment.ratings.all())
        else:
            assert assessment.submitted_by_id is None
        if assessment.is_reopened:
            assert steps.last().history_user_id == assessment.reopened_by_id
            assert assessment.reopened_by_id not in members  # the partnership's lead


@pytest.mark.django_db
def test_demo_answers_are_dated_inside_their_rounds() -> None:
    call_command("load_demo_data", throwaway_database=True, verbosity=0)
    for assessment in Assessment.objects.exclude(submitted_at=None).select_related("round"):
        submitted_on = timezone.localdate(assessment.submitted_at)
        assert assessment.round.opens_on <= submitted_on <= assessment.round.closes_on, (
            assessment.round.name,
            submitted_on,
        )


@pytest.mark.django_db
def test_the_demos_made_up_submissions_e_mail_nobody(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail
    from django.utils.module_loading import import_string
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):  # as if the worker were running
        call_command("load_demo_data", throwaway_database=True, verbosity=0)
    assert Assessment.objects.filter(status="submitted").exists()
    queued = list(DBTaskResult.objects.all())
    assert queued  # in a test, the callbacks run after the command: its tasks were queued
    e_mails = [r for r in queued if not r.task_path.endswith("render_board_paper")]
    for result in e_mails:  # what the worker would do with each
        task = import_string(result.task_path)
        assert task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"]) == 0
    assert mail.outbox == []
    renders = [r for r in queued if r.task_path.endswith("render_board_paper")]
    # Each round's paper is ready before anyone asks (queued twice here, where the command's
    # own tasks were not dropped: a render claims its paper, so it is made once).
    papers = {r.args_kwargs["args"][0] for r in renders}
    assert papers == set(ReportFile.objects.filter(scope="").values_list("pk", flat=True))
    assert len(papers) == Round.objects.count()
