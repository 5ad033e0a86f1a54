"""A person's own account: changing the password, signing out of other devices."""

from django.test import Client
from django.urls import reverse

from .conftest import World
from .helpers import PASSWORD, sign_in, signs_in


def _two_devices(world: World) -> tuple[Client, Client]:
    here, elsewhere = Client(), Client()
    assert signs_in(here, world.practitioner.email)
    assert signs_in(elsewhere, world.practitioner.email)
    return here, elsewhere


def _signed_in(client: Client) -> bool:
    return client.get(reverse("assessments:home")).status_code == 200


def test_the_account_pages_need_a_signed_in_person(client: Client, db: None) -> None:
    for name in ("account", "password_change", "sign_out_elsewhere"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login"))
    assert client.post(reverse("sign_out_elsewhere")).status_code == 302


def test_signing_out_elsewhere_takes_a_post_and_is_refused_by_get(
    client: Client, world: World
) -> None:
    sign_in(client, world.practitioner)
    assert client.get(reverse("sign_out_elsewhere")).status_code == 405


def test_signing_out_of_other_devices_keeps_this_one(world: World) -> None:
    here, elsewhere = _two_devices(world)
    page = here.get(reverse("account")).text
    assert world.practitioner.email in page
    response = here.post(reverse("sign_out_elsewhere"), follow=True)
    assert "signed out of every other device" in response.text
    assert _signed_in(here)
    assert not _signed_in(elsewhere)
    assert signs_in(elsewhere, world.practitioner.email)  # signing in again works


def test_changing_the_password_needs_the_current_one_and_signs_out_other_devices(
    world: World,
) -> None:
    here, elsewhere = _two_devices(world)
    new = "quiet meadow lantern 1987"
    wrong = here.post(
        reverse("password_change"),
        {"old_password": "not-it", "new_password1": new, "new_password2": new},
    )
    assert "Your current password is not right" in wrong.text
    world.practitioner.refresh_from_db()
    assert world.practitioner.check_password(PASSWORD)

    response = here.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        follow=True,
    )
    assert "Your password has been changed" in response.text
    assert _signed_in(here)
    assert not _signed_in(elsewhere)
    assert signs_in(Client(), world.practitioner.email, new)


def test_a_new_password_follows_the_same_rules(client: Client, world: World) -> None:
    sign_in(client, world.practitioner)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "toolkit-2026-x",
            "new_password2": "toolkit-2026-x",
        },
    )
    assert "cannot contain the name of this service" in response.text
