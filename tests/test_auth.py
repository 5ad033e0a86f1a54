"""Signing in with an e-mail address, signing out, resetting a password, and the home page."""

import datetime
import re
from unittest import mock

from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import PasswordResetRequest

from .conftest import World
from .helpers import PASSWORD, make_round, make_user, sign_in, signs_in


def test_sign_in_page_is_in_our_style_and_names_the_product(client: Client, db: None) -> None:
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert "IMH workforce toolkit" in page.text
    assert 'type="email"' in page.text
    assert "govuk-crest" not in page.text
    assert "GOV.UK" not in page.text


def test_people_sign_in_with_their_email_address(client: Client, world: World) -> None:
    response = client.post(
        reverse("login"), {"username": "practitioner@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:home")
    assert client.get(reverse("assessments:home")).context["user"] == world.practitioner


def test_email_at_sign_in_ignores_case_and_spaces(client: Client, world: World) -> None:
    response = client.post(
        reverse("login"), {"username": "  Practitioner@EXAMPLE.org ", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.wsgi_request.user == world.practitioner


def test_a_wrong_password_gets_an_error_summary_and_no_session(
    client: Client, world: World
) -> None:
    response = client.post(
        reverse("login"), {"username": "practitioner@example.org", "password": "nope"}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "Enter the e-mail address and password of your account" in response.text
    assert not response.wsgi_request.user.is_authenticated


def test_signing_out_ends_the_session_on_the_server(client: Client, world: World) -> None:
    sign_in(client, world.practitioner)
    session_key = client.session.session_key
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get(reverse("assessments:home")).status_code == 302


def test_the_home_page_needs_a_signed_in_person(client: Client, db: None) -> None:
    response = client.get(reverse("assessments:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_home_lists_only_the_persons_teams_and_their_open_rounds(
    client: Client, world: World
) -> None:
    make_round(
        world.partnership,
        world.checklist,
        name="Closed round",
        opens_days_ago=100,
        closes_in_days=-50,
    )
    sign_in(client, world.practitioner)
    page = client.get(reverse("assessments:home")).text
    assert "Health Visiting East" in page
    assert "2026 round" in page
    assert "Community Midwifery" not in page  # same partnership, not their team
    assert "Southvale" not in page  # another partnership
    assert "Closed round" not in page


def test_password_reset_sends_a_working_link_whatever_the_case(
    client: Client, world: World
) -> None:
    response = client.post(reverse("password_reset"), {"email": "PRACTITIONER@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["practitioner@example.org"]
    link = re.search(r"https?://[^/]+(/password-reset/[^\s]+/)", str(mail.outbox[0].body))
    assert link is not None

    form_page = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form_page.text
    new_password = "a-brand-new-password-77"
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert signs_in(client, "practitioner@example.org", new_password)


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(
    client: Client, db: None
) -> None:
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert "Check your e-mail" in response.text
    assert mail.outbox == []


def test_a_password_reset_link_expires_after_an_hour(client: Client, world: World) -> None:
    user = world.practitioner
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    an_hour_ago = datetime.datetime.now() - datetime.timedelta(minutes=61)  # noqa: DTZ005
    with mock.patch.object(default_token_generator, "_now", return_value=an_hour_ago):
        token = default_token_generator.make_token(user)
    page = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    assert "This link has expired" in page.text
    fresh = default_token_generator.make_token(user)
    page = client.get(reverse("password_reset_confirm", args=[uid, fresh]), follow=True)
    assert "Choose a new password" in page.text


def _ask_for_reset(client: Client, email: str, address: str = "198.51.100.1") -> str:
    response = client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)
    assert response.status_code == 302
    return response["Location"]


def test_reset_links_for_one_address_are_limited_to_three_an_hour(
    client: Client, world: World
) -> None:
    answers = {_ask_for_reset(Client(), "practitioner@example.org") for _ in range(8)}
    assert len(mail.outbox) == 3
    assert answers == {reverse("password_reset_done")}  # the same answer, limited or not
    PasswordResetRequest.objects.update(
        requested_at=timezone.now() - datetime.timedelta(minutes=61)
    )
    _ask_for_reset(client, "practitioner@example.org")
    assert len(mail.outbox) == 4  # an hour later, a link again


def test_reset_requests_from_one_computer_are_limited_to_twenty_an_hour(
    client: Client, db: None
) -> None:
    for number in range(25):
        make_user(f"person{number}@example.org")
    for number in range(25):
        _ask_for_reset(client, f"person{number}@example.org", address="203.0.113.9")
    assert len(mail.outbox) == 20
    _ask_for_reset(client, "person24@example.org", address="203.0.113.10")
    assert len(mail.outbox) == 21  # another computer is not held up


def test_requests_for_unknown_addresses_count_and_are_kept_only_as_a_hash(
    client: Client, db: None
) -> None:
    for number in range(20):
        _ask_for_reset(client, f"nobody{number}@example.org", address="203.0.113.9")
    make_user("real@example.org")
    _ask_for_reset(client, "real@example.org", address="203.0.113.9")
    assert mail.outbox == []  # the probing used up this computer's hour
    stored = list(PasswordResetRequest.objects.values_list("email_digest", flat=True))
    assert not any("@" in digest for digest in stored)
