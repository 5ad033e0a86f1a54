"""Board papers ready before anyone asks: rendered in the background when the round's data
changes (at most once a minute per paper), kept per round and filter, served at once while
current, and never served once anything they show has changed since their data was read."""

import datetime
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments.models import Action, Answer, Assessment, BoardPaper, Round
from partnerships.models import Team
from reports import pdf, tasks
from reports.models import ReportFile

from .conftest import World
from .helpers import sign_in
from .task_backend import ImmediateUnlessLater, run_due


def _paper_url(world: World, **query: str) -> str:
    url = reverse("reports:gap-report", args=[world.round.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def rendered(world: World, django_capture_on_commit_callbacks: Any) -> ReportFile:
    """The round's paper, rendered in the background after a team submitted."""
    with django_capture_on_commit_callbacks(execute=True):
        assessment = Assessment.start(team=world.team, round=world.round)
        assessment.ratings.update(rag="amber")
        assessment.submit(by=world.practitioner)
    file = ReportFile.objects.get(round=world.round, scope="")
    assert file.is_current(Round.objects.get(pk=world.round.pk))
    return file


def test_a_current_paper_is_served_at_once_without_rendering(
    client: Client, world: World, rendered: ReportFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_render(**kwargs: Any) -> bytes:
        raise AssertionError("rendered again")

    monkeypatch.setattr(pdf, "gap_report", no_render)
    sign_in(client, world.lead)
    response = client.get(_paper_url(world))
    assert response["Content-Type"] == "application/pdf"
    assert response.content == ReportFile.objects.get(pk=rendered.pk).pdf()


def _text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_paper_says_when_its_data_was_read(rendered: ReportFile) -> None:
    file = ReportFile.objects.get(pk=rendered.pk)
    assert file.data_read_at is not None
    read = timezone.localtime(file.data_read_at)
    assert f"Data read at {read:%-d %B %Y, %H:%M:%S}" in _text(file.pdf())


def _submit_other(world: World) -> None:
    other = Assessment.start(team=world.other_team, round=world.round)
    other.ratings.update(rag="red")
    other.submit(by=world.practitioner)


def _reopen(world: World) -> None:
    Assessment.objects.get(team=world.team).reopen(by=world.lead, reason="W01 is wrong")


def _new_action(world: World) -> None:
    Action.objects.create(
        partnership=world.partnership,
        round=world.round,
        item_code="W01",
        what="Train",
        owner_name="Sam",
    )


def _asks(world: World) -> None:
    BoardPaper.of(world.round).change(by=world.lead, version=0, asks="Fund it")


def _rename_team(world: World) -> None:
    team = Team.objects.get(pk=world.team.pk)
    team.name = "Health Visiting Renamed"
    team.save()


def _leave_out(world: World) -> None:
    Round.objects.get(pk=world.round.pk).left_out.add(world.other_team)


def _new_dates(world: World) -> None:
    round_ = Round.objects.get(pk=world.round.pk)
    round_.closes_on += datetime.timedelta(days=7)
    round_.save()


CHANGES: dict[str, Callable[[World], None]] = {
    "a team submits": _submit_other,
    "an assessment is reopened": _reopen,
    "an action is added": _new_action,
    "the asks of the board change": _asks,
    "a team is renamed": _rename_team,
    "a team is left out": _leave_out,
    "the round's dates change": _new_dates,
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_paper_older_than_the_data_is_never_served(
    client: Client, world: World, rendered: ReportFile, change: str
) -> None:
    before = ReportFile.objects.get(pk=rendered.pk).pdf()
    CHANGES[change](world)  # committed, but the worker has not rendered it yet
    assert not ReportFile.objects.get(pk=rendered.pk).is_current(
        Round.objects.get(pk=world.round.pk)
    )
    sign_in(client, world.lead)
    response = client.get(_paper_url(world))
    assert response["Content-Type"].startswith("text/html")
    assert "Your board paper is being prepared" in response.text
    assert response.content != before


def test_a_change_committed_while_the_data_was_read_makes_the_paper_out_of_date(
    world: World,
    rendered: ReportFile,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A change whose transaction began before the render read the data, and committed after:
    its first mark is older than the read, but the mark made on its commit is not."""
    file = ReportFile.objects.get(pk=rendered.pk)
    real_render = pdf.gap_report

    def render_while_a_change_commits(**kwargs: Any) -> bytes:
        with django_capture_on_commit_callbacks(execute=True):
            pass
        return real_render(**kwargs)

    with django_capture_on_commit_callbacks(execute=False) as pending:
        _new_action(world)  # marked now, inside its transaction
    monkeypatch.setattr(pdf, "gap_report", render_while_a_change_commits)
    tasks.render(file)  # reads the data after the first mark, without the change...
    for callback in pending:  # ...which then commits
        callback()
    assert not ReportFile.objects.get(pk=file.pk).is_current(Round.objects.get(pk=world.round.pk))


def test_renders_are_at_most_one_a_minute_and_take_in_every_change(
    world: World, rendered: ReportFile, django_capture_on_commit_callbacks: Any
) -> None:
    started = ReportFile.objects.get(pk=rendered.pk).render_started_at
    assert started is not None
    with django_capture_on_commit_callbacks(execute=True):
        _new_action(world)
    with django_capture_on_commit_callbacks(execute=True):
        _asks(world)
    assert len(ImmediateUnlessLater.waiting) == 1  # one render queued, not two
    (queued,) = ImmediateUnlessLater.waiting
    assert queued.task.run_after == started + datetime.timedelta(minutes=1)
    assert not ReportFile.objects.get(pk=rendered.pk).is_current(
        Round.objects.get(pk=world.round.pk)
    )

    assert run_due(started + datetime.timedelta(minutes=1)) == [True]
    file = ReportFile.objects.get(pk=rendered.pk)
    assert file.is_current(Round.objects.get(pk=world.round.pk))
    text = re.sub(r"\s+", " ", _text(file.pdf()))
    assert "Train Sam" in text  # the action
    assert "Asks of the board Fund it" in text  # and the asks, in the same render


def test_a_render_task_run_twice_renders_once(world: World, rendered: ReportFile) -> None:
    ReportFile.objects.filter(pk=rendered.pk).update(render_queued_at=timezone.now())
    assert tasks.render_board_paper.call(rendered.pk) is True
    assert tasks.render_board_paper.call(rendered.pk) is False


def test_yesterdays_paper_is_out_of_date_today(world: World, rendered: ReportFile) -> None:
    """An action's being overdue, and a paper's being final, change with the date."""
    yesterday = timezone.now() - datetime.timedelta(days=1)
    Round.objects.filter(pk=world.round.pk).update(data_changed_at=yesterday)
    ReportFile.objects.filter(pk=rendered.pk).update(data_read_at=yesterday)
    file = ReportFile.objects.get(pk=rendered.pk)
    assert not file.is_current(Round.objects.get(pk=world.round.pk))


def test_waiting_renders_now_and_keeps_it(
    client: Client, world: World, rendered: ReportFile
) -> None:
    _new_action(world)
    sign_in(client, world.lead)
    response = client.get(_paper_url(world, wait="1"))
    assert response["Content-Type"] == "application/pdf"
    assert "Train" in _text(response.content)
    assert ReportFile.objects.get(pk=rendered.pk).is_current(Round.objects.get(pk=world.round.pk))


def test_only_the_pages_own_choices_wait_or_take_the_last_paper(
    client: Client, world: World, rendered: ReportFile
) -> None:
    _new_action(world)
    sign_in(client, world.lead)
    for query in ({"wait": "0"}, {"wait": "no"}, {"earlier": "0"}):
        page = client.get(_paper_url(world, **query))
        assert "Your board paper is being prepared" in page.text, query


def test_the_last_paper_is_offered_by_its_time_and_served_only_when_asked_for(
    client: Client, world: World, rendered: ReportFile
) -> None:
    kept = ReportFile.objects.get(pk=rendered.pk)
    assert kept.data_read_at is not None
    read = timezone.localtime(kept.data_read_at)
    _new_action(world)
    sign_in(client, world.lead)
    page = client.get(_paper_url(world))
    assert "Your board paper is being prepared" in page.text
    assert f"Download the paper from {read:%-d %B %Y, %H:%M}" in page.text
    assert "It does not show the changes made since" in page.text
    earlier = client.get(_paper_url(world, earlier="1"))
    assert earlier["Content-Type"] == "application/pdf"
    assert earlier.content == kept.pdf()
    text = _text(earlier.content)
    assert f"Data read at {read:%-d %B %Y, %H:%M:%S}" in text
    assert "Train" not in text  # the action added since is not in it


def test_with_no_paper_made_yet_there_is_nothing_earlier_to_offer(
    client: Client, world: World
) -> None:
    sign_in(client, world.lead)
    page = client.get(_paper_url(world))
    assert "Your board paper is being prepared" in page.text
    assert "If you need a paper now" not in page.text
    asked = client.get(_paper_url(world, earlier="1"))
    assert "Your board paper is being prepared" in asked.text  # not an empty download


def test_a_filtered_paper_is_kept_apart_and_rendered_again_on_change(
    client: Client, world: World, rendered: ReportFile, django_capture_on_commit_callbacks: Any
) -> None:
    sign_in(client, world.lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(_paper_url(world, team_type="health_visiting"))
    filtered = ReportFile.objects.get(round=world.round, scope=":health_visiting")
    assert filtered.is_current(Round.objects.get(pk=world.round.pk))
    response = client.get(_paper_url(world, team_type="health_visiting"))
    assert response["Content-Disposition"].endswith('team-type-health-visiting.pdf"')
    ImmediateUnlessLater.waiting.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _new_action(world)
    assert len(ImmediateUnlessLater.waiting) == 2  # both kept papers, each after its minute


def test_a_filtered_paper_nobody_asked_for_lately_waits_to_be_asked(
    client: Client, world: World, rendered: ReportFile, django_capture_on_commit_callbacks: Any
) -> None:
    sign_in(client, world.lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(_paper_url(world, team_type="health_visiting"))
    eight_days_ago = timezone.now() - datetime.timedelta(days=8)
    ReportFile.objects.filter(scope=":health_visiting").update(asked_at=eight_days_ago)
    ImmediateUnlessLater.waiting.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _new_action(world)
    queued = [result.args[0] for result in ImmediateUnlessLater.waiting]
    assert queued == [rendered.pk]  # the paper for every team only
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(_paper_url(world, team_type="health_visiting"))
    assert "Your board paper is being prepared" in page.text  # asked for: rendered again


def test_papers_kept_in_storage_replace_their_old_file(
    world: World, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.REPORT_FILES = "storage"
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        _asks(world)
    file = ReportFile.objects.get(round=world.round)
    assert file.content is None
    first = tmp_path / file.file_name
    assert first.read_bytes().startswith(b"%PDF")
    ReportFile.objects.filter(pk=file.pk).update(render_started_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        BoardPaper.of(world.round).change(by=world.lead, version=1, asks="Fund it now")
    file = ReportFile.objects.get(pk=file.pk)
    assert file.is_current(Round.objects.get(pk=world.round.pk))
    assert not first.exists()
    assert "Fund it now" in _text(file.pdf())


def test_a_draft_save_does_not_make_the_paper_out_of_date(
    world: World, rendered: ReportFile
) -> None:
    """A draft's answers are in no report: only a change of status counts."""
    other = Assessment.start(team=world.other_team, round=world.round)
    file = ReportFile.objects.get(pk=rendered.pk)
    first = other.ratings.select_related("item").first()
    assert first is not None
    other.save_answers({first.item_id: Answer("red", "x", "")}, by=world.practitioner, version=0)
    assert not file.is_current(Round.objects.get(pk=world.round.pk))  # started: now in progress
    tasks.render(file)
    changed = Round.objects.get(pk=world.round.pk).data_changed_at
    other.save_answers({first.item_id: Answer("amber", "y", "")}, by=world.practitioner, version=1)
    assert Round.objects.get(pk=world.round.pk).data_changed_at == changed
