"""A practitioner rates their team: start, save and resume, check answers, submit, reopen."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, Rating, Round
from assessments.templatetags.assessment_tags import STATUS_COLOURS, TASK_STATUSES
from checklists.models import Item

from .conftest import World
from .helpers import (
    add_member,
    edit_url,
    form_data,
    make_round,
    make_user,
    mark_submitted,
    rate_all,
    save_url,
    section_url,
    sign_in,
)


@pytest.fixture
def signed_in(client: Client, world: World) -> Client:
    sign_in(client, world.practitioner)
    return client


@pytest.fixture
def assessment(world: World) -> Assessment:
    return Assessment.start(team=world.team, round=world.round)


def _answers(assessment: Assessment) -> dict[str, tuple[str, str, str]]:
    return {
        r.item.code: (r.rag, r.evidence, r.next_step)
        for r in assessment.ratings.select_related("item")
    }


def test_home_offers_to_start_the_open_round(signed_in: Client, world: World) -> None:
    page = signed_in.get(reverse("assessments:home")).text
    assert "Health Visiting East" in page
    assert "Not started" in page
    assert reverse("assessments:start", args=[world.team.pk, world.round.pk]) in page


def test_starting_creates_one_assessment_with_every_item_unrated(
    signed_in: Client, world: World
) -> None:
    url = reverse("assessments:start", args=[world.team.pk, world.round.pk])
    first = signed_in.post(url)
    second = signed_in.post(url)  # a double click
    assessment = Assessment.objects.get()
    assert first["Location"] == second["Location"] == edit_url(assessment)
    assert list(assessment.ratings.values_list("rag", flat=True)) == ["unrated"] * 3


def test_starting_a_closed_round_is_refused(signed_in: Client, world: World) -> None:
    closed = make_round(
        world.partnership, world.checklist, name="Old", opens_days_ago=90, closes_in_days=-30
    )
    response = signed_in.post(
        reverse("assessments:start", args=[world.team.pk, closed.pk]), follow=True
    )
    assert "is not open" in response.text
    assert not Assessment.objects.exists()


def test_the_page_shows_every_item_with_descriptors_guidance_and_labels(
    signed_in: Client, assessment: Assessment
) -> None:
    page = signed_in.get(section_url(assessment)).text
    for code in ("W01", "W02", "W03"):
        assert f'<span class="app-item__code">{code}</span>' in page
    assert page.count('class="govuk-fieldset"') == 3
    assert page.count("Not in place") == 3  # the Red descriptor beside the choice
    assert "What tells you this?" in page
    assert "What will you do next?" in page
    assert "You can enter up to 2,000 characters" in page
    assert "Save and continue" in page
    assert "Save and return to the task list" in page


def test_saving_part_of_the_assessment_and_coming_back(
    signed_in: Client, assessment: Assessment
) -> None:
    data = form_data(assessment, {"W01": ("amber", "Half the team trained", "Book training")})
    response = signed_in.post(save_url(assessment), data)
    assert response.status_code == 302
    assert response["Location"] == edit_url(assessment)  # the task list

    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.IN_PROGRESS
    assert assessment.version == 1
    answers = _answers(assessment)
    assert answers["W01"] == ("amber", "Half the team trained", "Book training")
    assert answers["W02"] == ("unrated", "", "")

    home = signed_in.get(reverse("assessments:home")).text
    assert "1 of 3 rated" in home
    tasks = signed_in.get(edit_url(assessment)).text
    assert "1 of 3 rated" in tasks
    page = signed_in.get(section_url(assessment)).text
    w01 = assessment.ratings.get(item__code="W01").item.pk
    checked = re.findall(r'<input[^>]*type="radio"[^>]*checked>', page)
    assert len(checked) == 1
    assert f'name="item-{w01}-rag"' in checked[0]
    assert 'value="amber"' in checked[0]
    assert "Half the team trained" in page


def test_continue_saves_then_shows_check_your_answers(
    signed_in: Client, assessment: Assessment
) -> None:
    response = signed_in.post(save_url(assessment), {**rate_all(assessment), "action": "continue"})
    assert response["Location"] == reverse("assessments:check", args=[assessment.pk])
    check = signed_in.get(response["Location"]).text
    assert check.count(">Green</strong>") == 3
    assert "Evidence W02" in check
    # The Change link opens the item's section at the item, and comes back here after saving.
    assert f"{section_url(assessment)}?return=check#item-W02" in check


@pytest.mark.parametrize(
    ("answer", "message"),
    [  # the summary names the item and the box
        (("purple", "", ""), "W02, rating: Choose Red, Amber or Green"),
        (("red", "x" * 2001, ""), "W02, what tells you this: Write 2,000 characters or fewer"),
        (("red", "", "y" * 2001), "W02, what you will do next: Write 2,000 characters or fewer"),
    ],
)
def test_bad_answers_get_an_error_next_to_the_item_and_nothing_is_saved(
    signed_in: Client, assessment: Assessment, answer: tuple[str, str, str], message: str
) -> None:
    data = form_data(assessment, {"W01": ("green", "ok", ""), "W02": answer})
    response = signed_in.post(save_url(assessment), data)
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    assert "govuk-form-group--error" in response.text
    assessment.refresh_from_db()
    assert assessment.version == 0
    assert not assessment.ratings.exclude(rag="unrated").exists()


def test_error_summary_links_to_the_first_radio_of_the_item(
    signed_in: Client, assessment: Assessment
) -> None:
    item = assessment.ratings.get(item__code="W02").item
    data = form_data(assessment, {"W02": ("purple", "", "")})
    page = signed_in.post(save_url(assessment), data).text
    assert f'href="#id_item-{item.pk}-rag"' in page
    assert f'id="id_item-{item.pk}-rag"' in page


@pytest.mark.parametrize("version", [None, "", "abc", "-1"])
def test_a_missing_or_garbled_version_saves_nothing(
    signed_in: Client, assessment: Assessment, version: str | None
) -> None:
    data = rate_all(assessment)
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    response = signed_in.post(save_url(assessment), data)
    assert response.status_code == 400
    assert "Your answers were not saved" in response.text
    assert not assessment.ratings.exclude(rag="unrated").exists()


@pytest.mark.parametrize("missing", ["every item", "one item's text boxes", "one evidence box"])
def test_a_post_with_item_fields_missing_is_refused_and_changes_nothing(
    signed_in: Client, assessment: Assessment, missing: str
) -> None:
    signed_in.post(save_url(assessment), rate_all(assessment, "amber"))
    before = _answers(assessment)
    assessment.refresh_from_db()
    data = rate_all(assessment, "red")  # would change every item, if it were accepted
    w02 = f"item-{assessment.ratings.get(item__code='W02').item_id}"
    if missing == "every item":
        data = {"version": data["version"], "action": "save"}
    elif missing == "one item's text boxes":
        del data[f"{w02}-evidence"], data[f"{w02}-next_step"], data[f"{w02}-rag"]
    else:
        del data[f"{w02}-evidence"]
    response = signed_in.post(save_url(assessment), data)
    assert response.status_code == 400
    assert "Your answers were not saved" in response.text
    assert _answers(assessment) == before
    assert {rag for rag, _, _ in before.values()} == {"amber"}


def test_an_unrated_item_posts_no_rating_and_stays_unrated(
    signed_in: Client, assessment: Assessment
) -> None:
    # A browser sends nothing for a radio group with none chosen: that is not a missing field.
    data = form_data(assessment, {"W01": ("green", "Yes", "")})
    for key in [k for k in data if k.endswith("-rag") and not data[k]]:
        del data[key]
    assert signed_in.post(save_url(assessment), data).status_code == 302
    assert _answers(assessment)["W01"] == ("green", "Yes", "")
    assert _answers(assessment)["W02"][0] == "unrated"


def test_posting_the_same_form_twice_is_harmless(signed_in: Client, assessment: Assessment) -> None:
    data = form_data(assessment, {"W01": ("red", "None trained", "")})
    first = signed_in.post(save_url(assessment), data)
    second = signed_in.post(save_url(assessment), data)  # same, now stale, version
    assert first.status_code == second.status_code == 302
    assessment.refresh_from_db()
    assert assessment.version == 1
    assert Rating.history.filter(assessment_id=assessment.pk, rag="red").count() == 1


def test_a_stale_save_gets_the_conflict_page_and_overwrites_nothing(
    client: Client, world: World, assessment: Assessment
) -> None:
    colleague = make_user("colleague@example.org", full_name="Casey Colleague")
    add_member(colleague, world.team)
    stale = form_data(assessment, {"W01": ("red", "Mine", "")})  # loaded at version 0

    sign_in(client, colleague)
    client.post(save_url(assessment), form_data(assessment, {"W01": ("green", "Theirs", "")}))

    sign_in(client, world.practitioner)
    response = client.post(save_url(assessment), stale)
    assert response.status_code == 409
    page = response.text
    assert "Someone else has changed this assessment" in page
    assert "Mine" in page
    assert "Theirs" in page
    assert "Casey Colleague" in page
    assert _answers(assessment)["W01"] == ("green", "Theirs", "")


def test_resolving_a_conflict_keeps_what_each_person_chose(
    client: Client, world: World, assessment: Assessment
) -> None:
    colleague = make_user("colleague@example.org")
    add_member(colleague, world.team)
    items = {r.item.code: r.item.pk for r in assessment.ratings.select_related("item")}
    stale = form_data(
        assessment,
        {"W01": ("red", "Mine 1", ""), "W02": ("red", "Mine 2", ""), "W03": ("", "", "")},
    )
    sign_in(client, colleague)
    client.post(
        save_url(assessment),
        form_data(assessment, {"W01": ("green", "Theirs 1", ""), "W02": ("green", "Theirs 2", "")}),
    )
    sign_in(client, world.practitioner)
    conflict = client.post(save_url(assessment), stale)
    assert conflict.status_code == 409
    assert "Saved answer, by colleague@example.org" in conflict.text
    assert "(blank)" in conflict.text  # W01's next step, empty on both sides
    version = conflict.context["version"]

    resolution = {**stale, "version": str(version), "resolving": "1"}
    missing_choice = client.post(save_url(assessment), resolution)
    assert missing_choice.status_code == 409
    assert "choose which answer to keep" in missing_choice.text
    assert _answers(assessment)["W01"] == ("green", "Theirs 1", "")

    resolution[f"keep-{items['W01']}-keep"] = "mine"
    resolution[f"keep-{items['W02']}-keep"] = "saved"
    response = client.post(save_url(assessment), resolution)
    assert response.status_code == 302
    answers = _answers(assessment)
    assert answers["W01"] == ("red", "Mine 1", "")
    assert answers["W02"] == ("green", "Theirs 2", "")
    assert answers["W03"] == ("unrated", "", "")


def test_submitting_with_unrated_items_lists_each_with_a_link(
    signed_in: Client, assessment: Assessment
) -> None:
    signed_in.post(save_url(assessment), form_data(assessment, {"W01": ("amber", "", "")}))
    response = signed_in.post(reverse("assessments:submit", args=[assessment.pk]))
    assert response.status_code == 400
    assert "Rate every item before you submit" in response.text
    for code in ("W02", "W03"):
        assert f'href="{section_url(assessment)}?return=check#item-{code}"' in response.text
    assert '#item-W01">Choose' not in response.text
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.IN_PROGRESS


def test_submitting_a_complete_assessment_then_it_is_read_only(
    signed_in: Client, world: World, assessment: Assessment
) -> None:
    signed_in.post(save_url(assessment), rate_all(assessment))
    response = signed_in.post(reverse("assessments:submit", args=[assessment.pk]))
    assert response["Location"] == reverse("assessments:submitted", args=[assessment.pk])
    confirmation = signed_in.get(response["Location"]).text
    assert "Assessment submitted" in confirmation
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    assert assessment.submitted_by == world.practitioner

    again = signed_in.post(reverse("assessments:submit", args=[assessment.pk]))
    assert again["Location"] == reverse("assessments:submitted", args=[assessment.pk])

    page = signed_in.get(edit_url(assessment)).text
    assert 'type="radio"' not in page
    assert "cannot be changed unless your partnership lead reopens it" in page

    refused = signed_in.post(save_url(assessment), rate_all(assessment, "red"), follow=True)
    assert "Your answers were not saved" in refused.text
    assert set(assessment.ratings.values_list("rag", flat=True)) == {"green"}


def test_a_lead_sees_answers_read_only_and_can_reopen_with_a_reason(
    client: Client, world: World, assessment: Assessment
) -> None:
    sign_in(client, world.practitioner)
    client.post(save_url(assessment), rate_all(assessment))
    client.post(reverse("assessments:submit", args=[assessment.pk]))

    sign_in(client, world.lead)
    page = client.get(edit_url(assessment)).text
    assert "Evidence W01" in page
    assert 'type="radio"' not in page
    assert "Reopen for the team" in page
    assert client.post(save_url(assessment), rate_all(assessment, "red")).status_code == 404

    reopen_url = reverse("assessments:reopen", args=[assessment.pk])
    empty = client.post(reopen_url, {"reason": ""})
    assert "Enter why you are reopening the assessment" in empty.text
    client.post(reopen_url, {"reason": "W03 evidence is from another team"})
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.IN_PROGRESS
    assert assessment.reopened_by == world.lead

    sign_in(client, world.practitioner)
    page = client.get(edit_url(assessment)).text
    assert "W03 evidence is from another team" in page
    assert "govuk-task-list" in page  # the team's task list again, not the read-only page
    assert 'type="radio"' in client.get(section_url(assessment)).text
    history = client.get(reverse("assessments:history", args=[assessment.pk])).text
    assert "Reopened" in history
    assert "W03 evidence is from another team" in history


def test_a_reopened_assessment_says_so_on_the_home_page_the_form_and_to_the_lead(
    client: Client, world: World, assessment: Assessment
) -> None:
    world.lead.full_name = "Lee Lead"
    world.lead.save()
    sign_in(client, world.practitioner)
    client.post(save_url(assessment), rate_all(assessment))
    client.post(reverse("assessments:submit", args=[assessment.pk]))
    sign_in(client, world.lead)
    client.post(reverse("assessments:reopen", args=[assessment.pk]), {"reason": "W03 is wrong"})
    reopened = _tag_of("Reopened")

    sign_in(client, world.practitioner)
    home = client.get(reverse("assessments:home")).text
    assert 'class="govuk-notification-banner"' in home
    assert f"{world.team.name}’s assessment for {world.round.name} has been reopened" in home
    assert "Lee Lead reopened it on" in home
    assert "“W03 is wrong”" in home
    assert reopened in home
    form = client.get(edit_url(assessment)).text
    assert 'class="govuk-notification-banner"' in form
    assert "This assessment has been reopened" in form

    sign_in(client, world.lead)
    assert reopened in client.get(reverse("assessments:home")).text
    dashboard = client.get(reverse("reports:dashboard", args=[world.round.pk])).text
    assert f"{world.team.name}, {world.team.organisation.name}: reopened" in dashboard

    # Submitted again: no banner, and the tag says Submitted.
    sign_in(client, world.practitioner)
    client.post(
        reverse("assessments:submit", args=[assessment.pk]), {"version": _version(assessment)}
    )
    home = client.get(reverse("assessments:home")).text
    assert "govuk-notification-banner" not in home
    assert _tag_of("Submitted") in home


def test_a_reason_to_reopen_as_long_as_the_form_allows_is_kept_whole(
    client: Client, world: World, assessment: Assessment
) -> None:
    sign_in(client, world.practitioner)
    client.post(save_url(assessment), rate_all(assessment))
    client.post(reverse("assessments:submit", args=[assessment.pk]))
    reason = ("Ŵ03 and ŷ: the evidence predates the restructure 🙂. " * 20)[:1000].strip()
    sign_in(client, world.lead)
    response = client.post(reverse("assessments:reopen", args=[assessment.pk]), {"reason": reason})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.reopened_reason == reason
    assert assessment.history.latest().history_change_reason == f"Reopened: {reason}"


def _tag_of(label: str) -> str:
    colour = {"Not started": "grey", "In progress": "light-blue", "Reopened": "purple"}
    return f'<strong class="govuk-tag govuk-tag--{colour.get(label, "blue")}">{label}</strong>'


def _version(assessment: Assessment) -> int:
    assessment.refresh_from_db()
    return assessment.version


def test_each_status_has_one_colour_everywhere_and_none_is_a_rag_colour() -> None:
    assert set(STATUS_COLOURS) == {"not_started", "in_progress", "reopened", "submitted"}
    assert len(set(STATUS_COLOURS.values())) == len(STATUS_COLOURS)
    assert not set(STATUS_COLOURS.values()) & {"red", "orange", "green", "yellow"}
    # A section's state on the task list has the colour of the same assessment state.
    assert TASK_STATUSES["not_started"][1] == STATUS_COLOURS["not_started"]
    assert TASK_STATUSES["in_progress"][1] == STATUS_COLOURS["in_progress"]
    task_colours = {colour for _, colour in TASK_STATUSES.values()}
    assert not task_colours & {"red", "orange", "green", "yellow", "blue", "purple"}
    templates = Path(settings.BASE_DIR, "templates")
    by_hand = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if re.search(r"govuk-tag--(grey|light-blue|purple|blue)", path.read_text())
    ]
    assert by_hand == [], "status tags written by hand instead of with |status_tag or |task_status"


def test_closed_rounds_accept_no_saves(
    signed_in: Client, world: World, assessment: Assessment
) -> None:
    data = rate_all(assessment)
    today = datetime.date.today()
    Round.objects.filter(pk=world.round.pk).update(
        opens_on=today - datetime.timedelta(days=60), closes_on=today - datetime.timedelta(days=1)
    )
    response = signed_in.post(save_url(assessment), data, follow=True)
    assert "Your answers were not saved" in response.text
    assert "closed on" in response.text
    assert not assessment.ratings.exclude(rag="unrated").exists()


@pytest.fixture
def last_round(world: World) -> Assessment:
    """The team's submitted answers in the round before, for W01 and W02 only."""
    earlier = make_round(
        world.partnership,
        world.checklist,
        name="2025 round",
        opens_days_ago=400,
        closes_in_days=-300,
    )
    old = Assessment.start(team=world.team, round=earlier)
    old.ratings.filter(item__code="W01").update(rag="red", evidence="Nobody trained")
    old.ratings.filter(item__code="W02").update(rag="green", evidence="All trained")
    mark_submitted(old)
    return old


def test_last_rounds_rating_is_shown_and_copied_only_when_asked(
    signed_in: Client, world: World, last_round: Assessment
) -> None:
    current = Assessment.start(team=world.team, round=world.round)

    assert "Last round (2025 round) your team said" in signed_in.get(section_url(current)).text
    assert "Start from last round" in signed_in.get(edit_url(current)).text
    assert not current.ratings.exclude(rag="unrated").exists()  # nothing copied silently

    signed_in.post(
        reverse("assessments:copy-previous", args=[current.pk]), {"version": current.version}
    )
    answers = _answers(current)
    assert answers["W01"] == ("red", "Nobody trained", "")
    assert answers["W02"] == ("green", "All trained", "")
    assert answers["W03"] == ("unrated", "", "")
    assert "Start from last round" not in signed_in.get(edit_url(current)).text


def test_each_item_shows_what_the_team_planned_last_round_with_a_link_to_that_answer(
    signed_in: Client, world: World, last_round: Assessment
) -> None:
    old = last_round
    old.ratings.filter(item__code="W01").update(next_step="Book <b>training</b>\nfor all")
    current = Assessment.start(team=world.team, round=world.round)

    page = signed_in.get(section_url(current)).text
    w01 = page[page.index('id="item-W01"') : page.index('id="item-W02"')]
    assert "Last round your team said it would do next:" in w01
    assert "“Book &lt;b&gt;training&lt;/b&gt;<br>for all”" in w01  # escaped, lines kept
    assert f'href="{edit_url(old)}#answer-W01" target="_blank" rel="noopener noreferrer"' in w01
    assert "(opens in new tab)" in w01  # leaving the page would lose what is typed
    w02 = page[page.index('id="item-W02"') : page.index('id="item-W03"')]
    assert "Last round your team did not say what it would do next." in w02
    w03 = page[page.index('id="item-W03"') :]
    assert "app-previous" not in w03  # no answer last round: nothing to show
    tasks = signed_in.get(edit_url(current)).text
    assert f'href="{edit_url(old)}">Read your team’s answers from 2025 round</a>' in tasks
    answers = signed_in.get(edit_url(old))
    assert answers.status_code == 200
    assert 'id="answer-W01"' in answers.text
    assert "Book &lt;b&gt;training&lt;/b&gt;<br>for all" in answers.text


def test_history_shows_who_changed_what_from_what_to_what(
    signed_in: Client, world: World, assessment: Assessment
) -> None:
    signed_in.post(save_url(assessment), form_data(assessment, {"W01": ("amber", "Some", "")}))
    assessment.refresh_from_db()
    signed_in.post(save_url(assessment), form_data(assessment, {"W01": ("green", "Some", "")}))
    page = signed_in.get(reverse("assessments:history", args=[assessment.pk])).text
    assert "Pat Practitioner" in page
    assert "W01 rating" in page
    rag_changes = [
        (c.old, c.new)
        for c in signed_in.get(reverse("assessments:history", args=[assessment.pk])).context[
            "changes"
        ]
        if c.what == "W01 rating"
    ]
    assert rag_changes == [("Amber", "Green"), ("Not rated", "Amber")]


def test_rag_values_are_never_shown_by_colour_alone(
    signed_in: Client, assessment: Assessment
) -> None:
    signed_in.post(save_url(assessment), rate_all(assessment, "amber"))
    page = signed_in.get(reverse("assessments:check", args=[assessment.pk])).text
    assert page.count("govuk-tag--orange") == page.count(">Amber</strong>") == 3


def test_text_from_people_is_escaped_on_the_assessment_page(
    signed_in: Client, assessment: Assessment
) -> None:
    # A raw update bypasses the published-checklist guard, as a hostile admin import might.
    Item.objects.filter(code="W01").update(
        statement='<script>alert("s")</script>', guidance="<b>bold</b>\nline two"
    )
    signed_in.post(
        save_url(assessment), form_data(assessment, {"W02": ("red", '"><img src=x onerror=1>', "")})
    )
    page = signed_in.get(section_url(assessment)).text
    assert '<script>alert("s")</script>' not in page
    assert "&lt;script&gt;alert(&quot;s&quot;)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;<br>line two" in page
    assert "<img src=x" not in page
    assert "&quot;&gt;&lt;img src=x onerror=1&gt;" in page


def test_a_post_without_its_csrf_token_is_refused_in_our_style(
    world: World, assessment: Assessment
) -> None:
    client = Client(enforce_csrf_checks=True)
    sign_in(client, world.practitioner)
    response = client.post(save_url(assessment), rate_all(assessment))
    assert response.status_code == 403
    assert "Your form could not be sent" in response.text
    assert "IMH workforce toolkit" in response.text
    assert not assessment.ratings.exclude(rag="unrated").exists()
