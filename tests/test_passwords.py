"""Passwords people choose here are checked against the words around them."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from .conftest import World


@pytest.mark.parametrize(
    "password",
    [
        "Toolkit-2026-summer!",  # the service
        "my NHS password 42",
        "UNICEF.rocks.99",
        "northshire-rain-77",  # the partnership's name (Northshire Partnership)
        "pat-2026-kettle!",  # the person's own first name
        "practitioner#2026x",  # the e-mail's local part
    ],
)
def test_passwords_made_of_the_words_around_them_are_refused(world: World, password: str) -> None:
    world.practitioner.full_name = "Pat Practitioner"
    with pytest.raises(ValidationError, match="cannot contain the name of this service"):
        validate_password(password, world.practitioner)


def test_an_ordinary_strong_password_is_accepted(world: World) -> None:
    validate_password("correct horse battery staple 1987", world.practitioner)


def test_the_reset_page_refuses_such_a_password_with_a_message(
    client: Client, world: World
) -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(world.practitioner.pk))
    token = default_token_generator.make_token(world.practitioner)
    page = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    url = page.redirect_chain[-1][0]
    response = client.post(
        url, {"new_password1": "nhs-toolkit-9x", "new_password2": "nhs-toolkit-9x"}
    )
    assert "cannot contain the name of this service" in response.text
    world.practitioner.refresh_from_db()
    assert not world.practitioner.check_password("nhs-toolkit-9x")
