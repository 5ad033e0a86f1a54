"""The assessment opens on a task list, one section per page: each section's state, Save and
continue through them, Change from check your answers and back, and a colleague's save of one
section never blocking or overwriting another."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, Round
from checklists.models import Checklist, Section

from .conftest import World
from .helpers import (
    add_member,
    edit_url,
    form_data,
    make_checklist,
    make_item,
    make_round,
    make_user,
    section_url,
    sign_in,
)


@pytest.fixture
def two_sections(world: World) -> Assessment:
    """A round of a checklist in two sections: Understanding (W01, W02) and Together (W03)."""
    checklist = Checklist.objects.create(name="Two-part checklist", source="Test")
    first = Section.objects.create(checklist=checklist, title="Understanding", order=1)
    second = Section.objects.create(checklist=checklist, title="Together", order=2)
    for number, section in ((1, first), (2, first), (3, second)):
        make_item(checklist, section, number)
    checklist.publish()
    round_ = make_round(world.partnership, checklist, name="Two-part round")
    return Assessment.start(team=world.team, round=round_)


def _section(assessment: Assessment, title: str) -> Section:
    return assessment.round.checklist.sections.get(title=title)


def _url(assessment: Assessment, title: str) -> str:
    return section_url(assessment, _section(assessment, title))


def _post(
    assessment: Assessment, title: str, answers: dict[str, tuple[str, str, str]], **extra: str
) -> dict[str, str]:
    """What a section's page posts: its own items only, as a browser would send them."""
    codes = set(_section(assessment, title).items.values_list("code", flat=True))
    data = form_data(assessment, answers, **extra)  # type: ignore[arg-type]
    ids = {
        str(pk)
        for pk in assessment.ratings.filter(item__code__in=codes).values_list("item_id", flat=True)
    }
    return {
        key: value
        for key, value in data.items()
        if not key.startswith("item-") or key.split("-")[1] in ids
    }


def _colleague(world: World) -> Client:
    """A second member of the team, signed in on a browser of their own."""
    colleague = make_user("colleague@example.org")
    add_member(colleague, world.team)
    browser = Client()
    sign_in(browser, colleague)
    return browser


def _statuses(page: str) -> list[tuple[str, str]]:
    """Each task on the task list: its name and its status, in order."""
    rows = re.findall(r'<li class="govuk-task-list__item[^"]*">(.*?)</li>', page, flags=re.DOTALL)
    found = []
    for row in rows:
        name = re.search(r'class="govuk-link govuk-task-list__link"[^>]*>([^<]+)<', row) or (
            re.search(r'<div class="govuk-task-list__name-and-hint">\s*<div>([^<]+)<', row)
        )
        status = re.search(r'class="govuk-task-list__status[^"]*"[^>]*>(.*?)</div>', row, re.S)
        assert name, row
        assert status, row
        found.append((name.group(1), re.sub(r"<[^>]+>", "", status.group(1)).strip()))
    return found


def test_the_task_list_shows_each_sections_state_and_check_and_submit_last(
    client: Client, world: World, two_sections: Assessment
) -> None:
    assessment = two_sections
    sign_in(client, world.practitioner)
    page = client.get(edit_url(assessment)).text
    assert _statuses(page) == [
        ("Understanding", "Not yet started"),
        ("Together", "Not yet started"),
        ("Check and submit", "Cannot start yet"),
    ]
    assert "0 of 2 rated" in page
    assert "0 of 1 rated" in page
    assert reverse("assessments:check", args=[assessment.pk]) not in page

    client.post(
        _url(assessment, "Understanding"),
        _post(assessment, "Understanding", {"W01": ("red", "", "")}),
    )
    page = client.get(edit_url(assessment)).text
    assert _statuses(page)[0] == ("Understanding", "In progress")
    assert "1 of 2 rated" in page
    assert "You have completed 0 of 2 sections." in page

    assessment.refresh_from_db()
    client.post(
        _url(assessment, "Understanding"),
        _post(assessment, "Understanding", {"W02": ("green", "", "")}),
    )
    page = client.get(edit_url(assessment)).text
    assert _statuses(page)[:2] == [("Understanding", "Completed"), ("Together", "Not yet started")]
    assert "You have completed 1 of 2 sections." in page

    assessment.refresh_from_db()
    client.post(
        _url(assessment, "Together"), _post(assessment, "Together", {"W03": ("amber", "", "")})
    )
    page = client.get(edit_url(assessment)).text
    assert _statuses(page) == [
        ("Understanding", "Completed"),
        ("Together", "Completed"),
        ("Check and submit", "Not yet started"),
    ]
    assert f'href="{reverse("assessments:check", args=[assessment.pk])}"' in page


def test_typing_evidence_without_a_rating_puts_a_section_in_progress(
    client: Client, world: World, two_sections: Assessment
) -> None:
    sign_in(client, world.practitioner)
    data = _post(two_sections, "Together", {"W03": ("", "Half the team, we think", "")})
    client.post(_url(two_sections, "Together"), data)
    assert _statuses(client.get(edit_url(two_sections)).text)[1] == ("Together", "In progress")


def test_save_and_continue_goes_section_by_section_then_to_check_when_complete(
    client: Client, world: World, two_sections: Assessment
) -> None:
    assessment = two_sections
    sign_in(client, world.practitioner)
    first = _post(assessment, "Understanding", {"W01": ("red", "", "")}, action="continue")
    response = client.post(_url(assessment, "Understanding"), first)
    assert response["Location"] == _url(assessment, "Together")
    assessment.refresh_from_db()
    # The last section with the first still incomplete: back to the task list.
    last = _post(assessment, "Together", {"W03": ("red", "", "")}, action="continue")
    assert client.post(_url(assessment, "Together"), last)["Location"] == edit_url(assessment)
    assessment.refresh_from_db()
    first = _post(assessment, "Understanding", {"W02": ("red", "", "")}, action="continue")
    client.post(_url(assessment, "Understanding"), first)
    assessment.refresh_from_db()
    last = _post(assessment, "Together", {}, action="continue")
    response = client.post(_url(assessment, "Together"), last)
    assert response["Location"] == reverse("assessments:check", args=[assessment.pk])


def test_save_and_return_goes_to_the_task_list_saying_what_was_saved(
    client: Client, world: World, two_sections: Assessment
) -> None:
    sign_in(client, world.practitioner)
    data = _post(two_sections, "Together", {"W03": ("amber", "Some", "")}, action="save")
    response = client.post(_url(two_sections, "Together"), data, follow=True)
    assert response.redirect_chain[-1][0] == edit_url(two_sections)
    assert "Your answers for Together are saved." in response.text


def test_each_section_page_shows_only_its_own_items_and_both_buttons(
    client: Client, world: World, two_sections: Assessment
) -> None:
    sign_in(client, world.practitioner)
    page = client.get(_url(two_sections, "Understanding")).text
    assert re.findall(r'class="app-item__code">(W\d\d)<', page) == ["W01", "W02"]
    assert "Section 1 of 2, " in page
    assert "Save and continue" in page
    assert "Save and return to the task list" in page
    assert f'href="{edit_url(two_sections)}" class="govuk-back-link"' in page


def test_a_colleagues_save_of_another_section_neither_blocks_nor_is_overwritten(
    client: Client, world: World, two_sections: Assessment
) -> None:
    assessment = two_sections
    mine = _post(assessment, "Understanding", {"W01": ("red", "Mine", "")})  # loaded at v0
    theirs = _colleague(world)
    other = _post(assessment, "Together", {"W03": ("green", "Theirs", "")})
    assert theirs.post(_url(assessment, "Together"), other).status_code == 302

    sign_in(client, world.practitioner)
    response = client.post(_url(assessment, "Understanding"), mine)  # the stale version
    assert response.status_code == 302  # no conflict: nobody else touched this section
    answers = dict(assessment.ratings.values_list("item__code", "evidence"))
    assert answers == {"W01": "Mine", "W02": "", "W03": "Theirs"}


def test_a_colleagues_save_of_the_same_item_is_a_conflict_that_comes_back_to_the_section(
    client: Client, world: World, two_sections: Assessment
) -> None:
    assessment = two_sections
    mine = _post(assessment, "Understanding", {"W01": ("red", "Mine", "")}, action="continue")
    mine["return_to"] = "check"
    theirs = _colleague(world)
    theirs.post(
        _url(assessment, "Understanding"),
        _post(assessment, "Understanding", {"W01": ("green", "Theirs", "")}),
    )
    sign_in(client, world.practitioner)
    response = client.post(_url(assessment, "Understanding"), mine)
    assert response.status_code == 409
    page = response.text
    assert "Someone else has changed this assessment" in page
    assert f'action="{_url(assessment, "Understanding")}"' in page
    assert 'name="return_to" value="check"' in page
    assert 'name="action" value="continue"' in page
    assert "W03" not in page  # the other section is not in question
    assert assessment.ratings.get(item__code="W01").evidence == "Theirs"  # nothing overwritten

    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    resolved = {**mine, "version": version.group(1), "resolving": "1"}
    resolved[f"keep-{assessment.ratings.get(item__code='W01').item_id}-keep"] = "mine"
    response = client.post(_url(assessment, "Understanding"), resolved)
    assert response["Location"] == reverse("assessments:check", args=[assessment.pk])
    assert assessment.ratings.get(item__code="W01").evidence == "Mine"


def test_posting_the_same_section_twice_changes_nothing_the_second_time(
    client: Client, world: World, two_sections: Assessment
) -> None:
    sign_in(client, world.practitioner)
    data = _post(two_sections, "Together", {"W03": ("amber", "Once", "")})
    assert client.post(_url(two_sections, "Together"), data).status_code == 302
    two_sections.refresh_from_db()
    version = two_sections.version
    assert client.post(_url(two_sections, "Together"), data).status_code == 302  # a resubmit
    two_sections.refresh_from_db()
    assert two_sections.version == version


def test_change_on_check_your_answers_opens_the_section_at_the_item_and_returns_there(
    client: Client, world: World, two_sections: Assessment
) -> None:
    assessment = two_sections
    sign_in(client, world.practitioner)
    check = client.get(reverse("assessments:check", args=[assessment.pk])).text
    change = f"{_url(assessment, 'Together')}?return=check#item-W03"
    assert f'href="{change}"' in check
    page = client.get(change.split("#")[0]).text
    assert 'id="item-W03"' in page
    assert 'name="return_to" value="check"' in page
    assert "Save and return to check your answers" in page
    check_url = reverse("assessments:check", args=[assessment.pk])
    assert f'href="{check_url}" class="govuk-back-link"' in page
    data = _post(assessment, "Together", {"W03": ("green", "", "")}, action="continue")
    data["return_to"] = "check"
    assert client.post(_url(assessment, "Together"), data)["Location"] == check_url


def test_items_in_no_section_have_a_section_page_of_their_own_last(
    client: Client, world: World
) -> None:
    checklist = make_checklist(items=2, name="Loose", publish=False)
    make_item(checklist, None, 0, code="X01")
    checklist.publish()
    assessment = Assessment.start(
        team=world.team, round=make_round(world.partnership, checklist, name="Loose round")
    )
    sign_in(client, world.practitioner)
    tasks = client.get(edit_url(assessment)).text
    assert [name for name, _ in _statuses(tasks)] == [
        "Understanding",
        "Other items",
        "Check and submit",
    ]
    page = client.get(reverse("assessments:section", args=[assessment.pk, 0])).text
    assert re.findall(r'class="app-item__code">(\w+)<', page) == ["X01"]


def test_a_section_no_longer_in_the_checklist_sends_to_the_task_list_and_keeps_typed_text(
    client: Client, world: World, two_sections: Assessment
) -> None:
    assessment = two_sections
    gone = _url(assessment, "Together")
    typed = _post(assessment, "Together", {"W03": ("red", "Written before the change", "")})
    # The round's checklist is replaced (by a data fix: the admin refuses it, see below).
    replacement = make_checklist(items=2, name="Replacement")
    Round.objects.filter(pk=assessment.round_id).update(checklist=replacement)
    sign_in(client, world.practitioner)

    response = client.get(gone, follow=True)
    assert response.redirect_chain[-1][0] == edit_url(assessment)
    assert "That section is no longer part of this assessment" in response.text

    before = list(assessment.ratings.values_list("rag", "evidence"))
    response = client.post(gone, typed)
    assert response.status_code == 409
    assert "Written before the change" in response.text  # for copying: nothing lost
    assert list(assessment.ratings.values_list("rag", "evidence")) == before  # nothing saved


def test_the_admin_refuses_to_replace_the_checklist_of_a_round_teams_have_started(
    world: World, two_sections: Assessment
) -> None:
    another = make_checklist(name="Another checklist")
    round_ = two_sections.round
    round_.checklist = another
    with pytest.raises(ValidationError, match="its checklist cannot be changed"):
        round_.full_clean()
    fresh = make_round(world.partnership, another, name="Not started yet")
    fresh.checklist = make_checklist(name="Yet another")
    fresh.full_clean()  # nobody has started: it may still change


def test_a_draft_typed_on_one_section_comes_back_on_that_section_only(
    client: Client, world: World, two_sections: Assessment
) -> None:
    assessment = two_sections
    sign_in(client, world.practitioner)
    owner = re.search(
        r'name="owner" value="([^"]+)"', client.get(_url(assessment, "Together")).text
    )
    assert owner
    client.logout()
    data = {**_post(assessment, "Together", {"W03": ("red", "Typed, then signed out", "")})}
    response = client.post(_url(assessment, "Together"), {**data, "owner": owner.group(1)})
    assert response.status_code == 302
    sign_in(client, world.practitioner)
    assert "Typed, then signed out" not in client.get(_url(assessment, "Understanding")).text
    assert "Typed, then signed out" in client.get(_url(assessment, "Together")).text


def test_a_reopened_assessments_sections_show_the_leads_reason(
    client: Client, world: World, two_sections: Assessment
) -> None:
    assessment = two_sections
    Assessment.objects.filter(pk=assessment.pk).update(
        status="submitted", submitted_at="2026-01-01T00:00Z"
    )
    assessment.refresh_from_db()
    assessment.reopen(by=world.lead, reason="The evidence for W03 is from another team")
    sign_in(client, world.practitioner)
    page = client.get(_url(assessment, "Together")).text  # where the team changes it
    assert "The evidence for W03 is from another team" in page
