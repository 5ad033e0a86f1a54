"""A save that arrives after the session has ended loses nothing: the person signs in and
finds what they typed, once, and only they do. Every POST route of the journey sends a
signed-out person to sign in and back to a page, never to a 405."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment

from .conftest import World
from .helpers import (
    PASSWORD,
    add_member,
    form_data,
    make_user,
    mark_submitted,
    save_url,
    section_url,
    sign_in,
)

LONG = ("Ŵyn a ŷd 🙂 supervision notes, audits; " * 60)[:2000]  # Welsh letters, emoji, 2,000


@pytest.fixture
def assessment(world: World) -> Assessment:
    return Assessment.start(team=world.team, round=world.round)


def _owner(page: str) -> str:
    found = re.search(r'name="owner" value="([^"]+)"', page)
    assert found, "the form carries no owner token"
    return found.group(1)


def _typed(client: Client, world: World, assessment: Assessment) -> dict[str, str]:
    """The practitioner opens the page and types; then the session ends (idle, asleep)."""
    sign_in(client, world.practitioner)
    owner = _owner(client.get(section_url(assessment)).text)
    data = form_data(assessment, {"W01": ("amber", LONG, "Book the training\nfor May")})
    client.logout()
    return {**data, "owner": owner}


def _sign_in_to(client: Client, email: str, next_url: str) -> str:
    response = client.post(
        reverse("login"), {"username": email, "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302
    return str(response["Location"])


def _restored_evidence(page: str, assessment: Assessment) -> str | None:
    item = assessment.ratings.get(item__code="W01").item_id
    found = re.search(rf'name="item-{item}-evidence"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    return unescape(found.group(1)).removeprefix("\n") if found else None


def test_a_save_after_the_session_ended_comes_back_after_signing_in(
    client: Client, world: World, assessment: Assessment
) -> None:
    response = client.post(save_url(assessment), _typed(client, world, assessment))
    assert response.status_code == 302
    login, query = (
        urlsplit(response["Location"]).path,
        parse_qs(urlsplit(response["Location"]).query),
    )
    assert login == reverse("login")
    assert query["next"] == [section_url(assessment)]  # the section's page, which posts to itself
    assert "we will put back what you typed" in client.get(response["Location"]).text
    assert not assessment.ratings.exclude(rag="unrated").exists()  # nothing saved signed out

    landing = _sign_in_to(client, world.practitioner.email, section_url(assessment))
    page = client.get(landing).text
    assert "We have put back what you typed before you were signed out" in page
    assert _restored_evidence(page, assessment) == LONG  # byte for byte
    assert not assessment.ratings.exclude(rag="unrated").exists()  # still not saved

    again = client.get(section_url(assessment)).text
    assert _restored_evidence(again, assessment) == ""  # given back once only

    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    restored = {**form_data(assessment, {"W01": ("amber", LONG, "Book the training\nfor May")})}
    assert client.post(save_url(assessment), restored).status_code == 302
    saved = assessment.ratings.get(item__code="W01")
    assert (saved.rag, saved.evidence, saved.next_step) == (
        "amber",
        LONG,
        "Book the training\nfor May",
    )


def test_someone_else_signing_in_on_the_browser_gets_nothing_of_it(
    client: Client, world: World, assessment: Assessment
) -> None:
    colleague = make_user("colleague@example.org")
    add_member(colleague, world.team)  # may open the same assessment
    client.post(save_url(assessment), _typed(client, world, assessment))
    _sign_in_to(client, colleague.email, section_url(assessment))
    page = client.get(section_url(assessment)).text
    assert LONG[:40] not in page
    assert "We have put back" not in page
    client.logout()
    _sign_in_to(client, world.practitioner.email, section_url(assessment))
    assert LONG[:40] not in client.get(section_url(assessment)).text  # dropped, not kept for later


@pytest.mark.parametrize("tamper", ["flip a letter", "another assessment", "none"])
def test_tampered_restore_data_is_refused_with_a_clear_message(
    client: Client, world: World, assessment: Assessment, tamper: str
) -> None:
    data = _typed(client, world, assessment)
    if tamper == "flip a letter":
        data["owner"] = data["owner"][:-1] + ("A" if data["owner"][-1] != "A" else "B")
    elif tamper == "another assessment":
        other = Assessment.start(team=world.other_team, round=world.round)
        add_member(world.practitioner, world.other_team)
        sign_in(client, world.practitioner)
        data["owner"] = _owner(client.get(section_url(other)).text)  # genuine, for another one
        client.logout()
    else:
        del data["owner"]
    response = client.post(save_url(assessment), data)
    assert response.status_code == 302
    sign_in_page = client.get(response["Location"]).text
    assert "your last changes could not be kept" in sign_in_page
    _sign_in_to(client, world.practitioner.email, section_url(assessment))
    page = client.get(section_url(assessment)).text
    assert LONG[:40] not in page
    assert not assessment.ratings.exclude(rag="unrated").exists()


def test_a_draft_whose_assessment_a_colleague_submitted_meanwhile_is_shown_not_lost(
    client: Client, world: World, assessment: Assessment
) -> None:
    data = _typed(client, world, assessment)
    mark_submitted(assessment)  # a colleague submitted while the practitioner was away
    client.post(save_url(assessment), data)
    _sign_in_to(client, world.practitioner.email, section_url(assessment))
    response = client.get(section_url(assessment))
    page = response.text
    assert "was not saved, because the assessment can no longer be changed" in page
    assert unescape(LONG[:60]) in unescape(page)
    assert 'type="radio"' not in page  # read-only: nothing was written


def test_every_post_route_sends_a_signed_out_person_to_sign_in_and_back_to_a_page(
    client: Client, world: World, assessment: Assessment
) -> None:
    mark_submitted(Assessment.start(team=world.other_team, round=world.round))
    reopen = reverse("assessments:reopen", args=[assessment.pk])
    routes = {
        reverse("assessments:start", args=[world.team.pk, world.round.pk]): world.practitioner,
        save_url(assessment): world.practitioner,
        reverse("assessments:copy-previous", args=[assessment.pk]): world.practitioner,
        reverse("assessments:submit", args=[assessment.pk]): world.practitioner,
        reopen: world.lead,
    }
    for route, person in routes.items():
        client.logout()
        response = client.post(route, {"version": "1", "reason": "Please check W02"})
        assert response.status_code == 302, route
        next_url = parse_qs(urlsplit(response["Location"]).query)["next"][0]
        # Back to a page (a section and the reopen page post to themselves), never to a
        # POST-only route, which would answer 405.
        assert next_url != route or route in {save_url(assessment), reopen}, route
        landing = _sign_in_to(client, person.email, next_url)
        assert client.get(landing).status_code == 200, (route, landing)


def test_a_leads_reason_to_reopen_survives_the_session_ending(
    client: Client, world: World, assessment: Assessment
) -> None:
    mark_submitted(assessment)
    reopen = reverse("assessments:reopen", args=[assessment.pk])
    sign_in(client, world.lead)
    owner = _owner(client.get(reopen).text)
    client.logout()
    reason = "W02’s evidence is from another team; Ŵ and 🙂 kept"
    response = client.post(reopen, {"reason": reason, "owner": owner})
    landing = _sign_in_to(
        client, world.lead.email, parse_qs(urlsplit(response["Location"]).query)["next"][0]
    )
    assert landing == reopen
    page = client.get(landing).text
    assert reason in unescape(page)
    assessment.refresh_from_db()
    assert assessment.is_submitted  # kept, not acted on: the lead presses Reopen again
