"""Answers copied from last round wait for the team: each is confirmed or changed before the
assessment can be submitted, so last year is never resubmitted unread."""

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, Rating

from .conftest import World
from .helpers import add_member, form_data, make_last_year, make_user, save_url, sign_in


@pytest.fixture
def copied(client: Client, world: World) -> Assessment:
    """Last round every item was Red with evidence; this round the team copied it forward."""
    last = make_last_year(world.round, world.team)
    for rating in last.ratings.select_related("item"):
        Rating.objects.filter(pk=rating.pk).update(evidence=f"Last year {rating.item.code}")
    current = Assessment.start(team=world.team, round=world.round)
    sign_in(client, world.practitioner)
    copy = reverse("assessments:copy-previous", args=[current.pk])
    assert client.post(copy, {"version": current.version}).status_code == 302
    current.refresh_from_db()
    return current


def _carried(assessment: Assessment) -> set[str]:
    return set(assessment.ratings.filter(carried_forward=True).values_list("item__code", flat=True))


def _pk(assessment: Assessment, code: str) -> int:
    return int(assessment.ratings.get(item__code=code).item_id)


def test_copying_marks_every_copied_answer_to_confirm_on_the_page_and_check_answers(
    client: Client, copied: Assessment
) -> None:
    assert _carried(copied) == {"W01", "W02", "W03"}
    tasks = client.get(reverse("assessments:edit", args=[copied.pk])).text
    assert "<strong>3</strong> carried forward from last round, to confirm or change." in tasks
    # The section's state on the task list is a state of its own, and check is not open yet.
    assert "3 of 3 rated, 3 carried forward to confirm or change" in tasks
    assert ">Carried forward: confirm or change</strong>" in tasks
    assert "Cannot start yet" in tasks
    page = client.get(save_url(copied)).text
    assert page.count("Carried forward: confirm or change") == 3
    assert 'name="confirm_section"' in page  # three in one section: confirm them together
    check = client.get(reverse("assessments:check", args=[copied.pk])).text
    assert check.count("Carried forward: confirm or change") == 3


def test_an_assessment_with_unconfirmed_answers_cannot_be_submitted(
    client: Client, copied: Assessment
) -> None:
    response = client.post(reverse("assessments:submit", args=[copied.pk]))
    assert response.status_code == 400
    assert "Confirm or change every answer carried forward" in response.text
    for code in ("W01", "W02", "W03"):
        assert f'href="{save_url(copied)}?return=check#item-{code}"' in response.text
        assert f"Confirm or change {code}: it was carried forward from last round" in response.text
    copied.refresh_from_db()
    assert not copied.is_submitted


def test_one_click_confirms_one_answer_keeps_what_was_typed_and_returns_to_it(
    client: Client, copied: Assessment
) -> None:
    data = form_data(copied, {"W03": ("red", "Last year W03", "Typed before confirming")})
    response = client.post(save_url(copied), {**data, "confirm": str(_pk(copied, "W01"))})
    assert response.status_code == 302
    assert response["Location"] == f"{save_url(copied)}#item-W01"  # back to the item
    assert _carried(copied) == {"W02"}  # W01 confirmed; W03 changed, so confirmed too
    assert copied.ratings.get(item__code="W03").next_step == "Typed before confirming"
    assert copied.ratings.get(item__code="W01").evidence == "Last year W01"  # as it was
    history = client.get(reverse("assessments:history", args=[copied.pk])).text
    assert "W01 confirmed as carried forward from last round" in history


def test_confirming_twice_changes_nothing_the_second_time(
    client: Client, copied: Assessment
) -> None:
    confirm = {**form_data(copied), "confirm": str(_pk(copied, "W01"))}
    client.post(save_url(copied), confirm)
    copied.refresh_from_db()
    version = copied.version
    again = client.post(save_url(copied), confirm)  # the same post: a double click, a resubmit
    assert again.status_code == 302
    copied.refresh_from_db()
    assert copied.version == version
    assert _carried(copied) == {"W02", "W03"}


def test_one_click_confirms_a_whole_section(client: Client, copied: Assessment) -> None:
    section = copied.ratings.select_related("item").first().item.section_id  # type: ignore[union-attr]
    client.post(save_url(copied), {**form_data(copied), "confirm_section": str(section)})
    assert _carried(copied) == set()
    submitted = client.post(reverse("assessments:submit", args=[copied.pk]))
    assert submitted.status_code == 302
    copied.refresh_from_db()
    assert copied.is_submitted


@pytest.mark.parametrize("value", ["", "W01", "-1", "99999999", "1 OR 1=1", "\x00"])
def test_tampered_confirmations_confirm_nothing(
    client: Client, copied: Assessment, value: str
) -> None:
    response = client.post(
        save_url(copied), {**form_data(copied), "confirm": value, "confirm_section": value}
    )
    assert response.status_code in {302, 400}
    assert _carried(copied) == {"W01", "W02", "W03"}


def test_another_assessments_item_cannot_be_confirmed_from_here(
    client: Client, world: World, copied: Assessment
) -> None:
    other = Assessment.start(team=world.other_team, round=world.round)
    other_item = other.ratings.first().item_id  # type: ignore[union-attr]
    Rating.objects.filter(assessment=other).update(carried_forward=True)
    client.post(save_url(copied), {**form_data(copied), "confirm": str(other_item)})
    assert other.ratings.filter(carried_forward=False).count() == 0
    # The same checklist: the item id is also one of ours, and that one is confirmed.
    assert _carried(copied) == {"W01", "W02", "W03"} - {
        copied.ratings.get(item_id=other_item).item.code
    }


def test_confirming_from_a_stale_page_is_safe_unless_a_colleague_changed_an_answer(
    client: Client, world: World, copied: Assessment
) -> None:
    stale = form_data(copied)
    colleague = make_user("colleague@example.org")
    add_member(colleague, world.team)
    other = Client()
    sign_in(other, colleague)
    # The colleague confirms W03: the version moves on, no answer changes.
    other.post(save_url(copied), {**form_data(copied), "confirm": str(_pk(copied, "W03"))})
    response = client.post(save_url(copied), {**stale, "confirm": str(_pk(copied, "W01"))})
    assert response.status_code == 302  # nothing on the stale page differs: no conflict
    assert _carried(copied) == {"W02"}
    # The colleague changes W02: the stale page, which still shows last year's W02, gets the
    # conflict page, and neither answer is lost or confirmed.
    copied.refresh_from_db()  # the colleague's page is up to date
    changed = other.post(
        save_url(copied), form_data(copied, {"W02": ("green", "Trained since", "")})
    )
    assert changed.status_code == 302
    response = client.post(save_url(copied), {**stale, "confirm": str(_pk(copied, "W02"))})
    assert response.status_code == 409
    assert "Trained since" in response.text
    assert "Last year W02" in response.text
    assert copied.ratings.get(item__code="W02").evidence == "Trained since"
    assert _carried(copied) == set()  # the colleague's change confirmed W02
