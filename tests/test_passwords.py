"""Passwords people choose here are checked against the words around them."""

import hashlib
import http.server
import socket
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from django.conf import settings as django_settings
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


class _RangeApi(http.server.BaseHTTPRequestHandler):
    """A stand-in for Have I Been Pwned's range API, on loopback: never the real service."""

    breached: ClassVar[set[str]] = set()
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        prefix = self.path.rsplit("/", 1)[-1].upper()
        self.asked.append(prefix)
        lines = [
            f"{digest[5:]}:42"
            for digest in (hashlib.sha1(p.encode()).hexdigest().upper() for p in self.breached)  # noqa: S324
            if digest.startswith(prefix)
        ]
        body = "\r\n".join([*lines, "0000000000000000000000000000000000A:0"]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def range_api() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _RangeApi)
    _RangeApi.breached, _RangeApi.asked = {"summer lantern meadow 1987"}, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/range/"
    server.shutdown()


def _with_breach_check(settings: Any, api: str) -> None:
    settings.AUTH_PASSWORD_VALIDATORS = [
        *settings.AUTH_PASSWORD_VALIDATORS,
        {
            "NAME": "accounts.passwords.BreachedPasswordValidator",
            "OPTIONS": {"api_endpoint": api},
        },
    ]


def test_the_breached_password_check_is_off_unless_switched_on() -> None:
    names = [entry["NAME"] for entry in django_settings.AUTH_PASSWORD_VALIDATORS]
    assert "accounts.passwords.BreachedPasswordValidator" not in names


def test_switched_on_it_refuses_a_breached_password_sending_only_a_prefix(
    world: World, settings: Any, range_api: str
) -> None:
    _with_breach_check(settings, range_api)
    with pytest.raises(ValidationError, match="appeared in a data breach"):
        validate_password("summer lantern meadow 1987", world.practitioner)
    validate_password("quiet kettle orchard 2031", world.practitioner)
    assert _RangeApi.asked
    assert all(len(prefix) == 5 for prefix in _RangeApi.asked)  # k-anonymity


def test_when_the_api_cannot_be_reached_the_common_list_decides(
    world: World, settings: Any
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/range/"
    _with_breach_check(settings, closed)
    validate_password("quiet kettle orchard 2031", world.practitioner)
    with pytest.raises(ValidationError):
        validate_password("password123", world.practitioner)
