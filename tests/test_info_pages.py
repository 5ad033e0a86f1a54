"""The pages every public service has: help and contact, accessibility, privacy and cookies.
Open to everyone, linked from every page, and true to this installation's settings."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments.models import Assessment

from .conftest import World
from .helpers import add_lead, make_user, rate_all, save_url, sign_in, signs_in

PAGES = ("help", "accessibility", "privacy", "cookies")


@pytest.mark.parametrize("name", PAGES)
def test_anyone_can_read_each_page_from_the_footer_of_every_page(
    client: Client, world: World, name: str
) -> None:
    signed_out = client.get(reverse(name))
    assert signed_out.status_code == 200
    for page in (signed_out, client.get(reverse("login")), client.get("/no-such-page/")):
        for footer_link in PAGES:
            assert f'href="{reverse(footer_link)}"' in page.text
    sign_in(client, world.practitioner)
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_someone_stuck_on_the_second_step_can_still_read_them(
    client: Client, world: World, name: str
) -> None:
    TOTPDevice.objects.create(user=world.staff, name="App", confirmed=True)
    assert signs_in(client, world.staff.email)
    assert client.get(reverse("assessments:home")).status_code == 302  # sent to the step
    assert client.get(reverse(name)).status_code == 200


def test_help_names_the_leads_of_the_persons_own_partnerships_only(
    client: Client, world: World
) -> None:
    world.lead.full_name = "Lee Lead"
    world.lead.save()
    elsewhere = make_user("southvale-lead@example.org", full_name="Sam Southvale")
    add_lead(elsewhere, world.other_partnership)
    sign_in(client, world.practitioner)
    page = client.get(reverse("help")).text
    assert "Lee Lead" in page
    assert 'href="mailto:lead@example.org"' in page
    assert world.partnership.name in page
    assert "southvale-lead@example.org" not in page
    assert "Sam Southvale" not in page


def test_help_tells_a_visitor_or_a_half_signed_in_person_no_ones_address(
    client: Client, world: World
) -> None:
    add_lead(world.staff, world.partnership)  # an administrator who also leads
    assert "lead@example.org" not in client.get(reverse("help")).text
    TOTPDevice.objects.create(user=world.staff, name="App", confirmed=True)
    assert signs_in(client, world.staff.email)  # the password, not yet the code
    page = client.get(reverse("help")).text
    assert "lead@example.org" not in page
    assert "Sign in</a> to see who they are" in page


def test_a_lead_reading_help_is_not_listed_as_their_own_contact(
    client: Client, world: World
) -> None:
    other_lead = make_user("second-lead@example.org", full_name="Sol Second")
    add_lead(other_lead, world.partnership)
    sign_in(client, world.lead)
    page = client.get(reverse("help")).text
    assert "Sol Second" in page
    assert 'href="mailto:lead@example.org"' not in page


def test_help_says_so_when_the_person_belongs_nowhere_yet(client: Client, world: World) -> None:
    sign_in(client, make_user("new@example.org"))
    assert "You are not in a team or a partnership yet" in client.get(reverse("help")).text


def test_the_operator_comes_from_the_settings(client: Client, db: None, settings: object) -> None:
    settings.OPERATOR_NAME = "Northshire County Council"  # type: ignore[attr-defined]
    settings.OPERATOR_EMAIL = "toolkit@northshire.example.org"  # type: ignore[attr-defined]
    settings.OPERATOR_PHONE = "01234 567890"  # type: ignore[attr-defined]
    for name in ("help", "accessibility"):
        page = client.get(reverse(name)).text
        assert "Northshire County Council" in page
        assert 'href="mailto:toolkit@northshire.example.org"' in page
        assert "01234 567890" in page
    settings.OPERATOR_NAME = settings.OPERATOR_EMAIL = ""  # type: ignore[attr-defined]
    page = client.get(reverse("help")).text
    assert "has not added its contact details yet" in page


def test_the_privacy_notice_states_this_installations_retention(
    client: Client, db: None, settings: object
) -> None:
    settings.RECORD_RETENTION_DAYS = 30  # type: ignore[attr-defined]
    settings.SESSION_COOKIE_AGE = 20 * 60  # type: ignore[attr-defined]
    settings.SESSION_MAX_SECONDS = 8 * 60 * 60  # type: ignore[attr-defined]
    settings.DATA_PROTECTION_EMAIL = "dpo@northshire.example.org"  # type: ignore[attr-defined]
    page = client.get(reverse("privacy")).text
    assert "Sign-in records: 30 days, then they are deleted." in page
    assert "ends after 20 minutes without activity, and 8 hours after you sign in" in page
    assert 'href="mailto:dpo@northshire.example.org"' in page
    assert "Have I Been Pwned" not in page  # the breached-password check is off by default


def test_every_cookie_the_service_sets_is_on_the_cookies_page(client: Client, world: World) -> None:
    """A journey that sets every kind of cookie: the form token, the session, a message."""
    set_cookies: set[str] = set()
    set_cookies |= set(client.get(reverse("login")).cookies)
    response = client.post(
        reverse("login"), {"username": world.practitioner.email, "password": "wrong"}
    )
    set_cookies |= set(response.cookies)
    assert signs_in(client, world.practitioner.email)
    set_cookies |= set(client.cookies)
    start = reverse("assessments:start", args=[world.team.pk, world.round.pk])
    assessment_page = client.post(start)
    set_cookies |= set(assessment_page.cookies)
    edit = assessment_page["Location"]
    assessment = Assessment.objects.get(team=world.team)
    saved = client.post(save_url(assessment), rate_all(assessment))
    set_cookies |= set(saved.cookies)
    assert client.get(edit).status_code == 200
    assert {"sessionid", "csrftoken", "messages"} <= set_cookies
    page = client.get(reverse("cookies")).text
    for name in set_cookies:
        assert f'<code class="app-code">{name}</code>' in page, name
