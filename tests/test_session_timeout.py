"""The warning before a session ends: each signed-in page says how long is left; asking again
does not count as activity; "Stay signed in" moves the idle end on, and nothing moves the limit
since signing in. (The dialog itself is walked in the browser tests.)"""

import json
import re
import time
from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.middleware import REFRESH_KEY, STARTED_KEY

from .conftest import World
from .helpers import sign_in


def _set(client: Client, **values: int) -> None:
    session = client.session
    for key, value in values.items():
        session[key] = value
    session.save()


def _dialog(page: str) -> dict[str, str]:
    found = re.search(r'<dialog class="app-timeout" id="timeout-warning"(.*?)>', page, re.S)
    assert found, "no timeout warning on the page"
    return dict(re.findall(r'data-([\w-]+)="([^"]*)"', found.group(1)))


def _status(client: Client) -> dict[str, object]:
    response = client.get(reverse("session_status"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return dict(json.loads(response.content))


def test_every_signed_in_page_says_when_the_session_ends(client: Client, world: World) -> None:
    assert "timeout-warning" not in client.get(reverse("login")).text  # nobody to warn
    sign_in(client, world.practitioner)
    dialog = _dialog(client.get(reverse("assessments:home")).text)
    assert int(dialog["seconds-left"]) == settings.SESSION_COOKIE_AGE  # idle: an hour
    assert dialog["can-extend"] == "true"
    assert dialog["warn-seconds"] == "120"
    assert dialog["status-url"] == reverse("session_status")
    assert "Stay signed in" in client.get(reverse("help")).text  # footer pages too


def test_asking_how_long_is_left_does_not_keep_the_session_going(
    client: Client, world: World
) -> None:
    sign_in(client, world.practitioner)
    client.get(reverse("assessments:home"))
    ten_minutes_ago = int(time.time()) - 600
    _set(client, **{REFRESH_KEY: ten_minutes_ago})
    status = _status(client)
    assert status["signed_in"] is True
    assert abs(int(status["seconds_left"]) - (settings.SESSION_COOKIE_AGE - 600)) <= 2  # type: ignore[call-overload]
    assert client.session[REFRESH_KEY] == ten_minutes_ago  # not pushed on by asking

    client.get(reverse("assessments:home"))  # a page is activity: it is
    assert client.session[REFRESH_KEY] > ten_minutes_ago


def test_stay_signed_in_moves_the_idle_end_on(client: Client, world: World) -> None:
    sign_in(client, world.practitioner)
    client.get(reverse("assessments:home"))
    _set(client, **{REFRESH_KEY: int(time.time()) - 3500})  # 100 s left
    assert int(_status(client)["seconds_left"]) <= 100  # type: ignore[call-overload]
    response = client.post(reverse("keep_alive"), headers={"Accept": "application/json"})
    answer = json.loads(response.content)
    assert answer["signed_in"] is True
    assert answer["seconds_left"] == settings.SESSION_COOKIE_AGE
    assert int(_status(client)["seconds_left"]) >= settings.SESSION_COOKIE_AGE - 2  # type: ignore[call-overload]


def test_nothing_extends_the_limit_since_signing_in(client: Client, world: World) -> None:
    sign_in(client, world.practitioner)
    client.get(reverse("assessments:home"))
    _set(client, **{STARTED_KEY: int(time.time()) - settings.SESSION_MAX_SECONDS + 90})
    dialog = _dialog(client.get(reverse("assessments:home")).text)
    assert int(dialog["seconds-left"]) <= 90
    assert dialog["can-extend"] == "false"  # the dialog says so, and offers no extension
    response = client.post(reverse("keep_alive"), headers={"Accept": "application/json"})
    answer = json.loads(response.content)
    assert answer["can_extend"] is False
    assert answer["seconds_left"] <= 90


def test_without_javascript_stay_signed_in_goes_back_to_the_page(
    client: Client, world: World
) -> None:
    sign_in(client, world.practitioner)
    help_page = reverse("help")
    response = client.post(reverse("keep_alive"), {"next": help_page})
    assert response.status_code == 302
    assert response["Location"] == help_page
    elsewhere = client.post(reverse("keep_alive"), {"next": "https://evil.example/"})
    assert elsewhere["Location"] == reverse("assessments:home")  # never off the site


def test_signed_out_the_routes_say_so_and_extend_nothing(client: Client, world: World) -> None:
    assert _status(client) == {
        "signed_in": False,
        "seconds_left": 0,
        "can_extend": False,
        "warn_seconds": 120,
    }
    answer = client.post(reverse("keep_alive"), headers={"Accept": "application/json"})
    assert json.loads(answer.content)["signed_in"] is False
    assert settings.SESSION_COOKIE_NAME not in answer.cookies  # no session made for nobody
    page = client.post(reverse("keep_alive"), {"next": reverse("help")})
    assert page["Location"].startswith(reverse("login"))


def test_stay_signed_in_needs_the_pages_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    sign_in(client, world.practitioner)
    assert client.post(reverse("keep_alive")).status_code == 403
    assert client.get(reverse("session_status")).status_code == 200  # a GET changes nothing
    assert client.post(reverse("session_status")).status_code in {403, 405}


def _stay_form(page: str) -> tuple[str, str]:
    """The CSRF token and the page to come back to, of the dialog's Stay signed in form."""
    found = re.search(
        r'action="/session/keep-alive/".*?name="csrfmiddlewaretoken" value="([^"]+)".*?'
        r'name="next" value="([^"]+)"',
        page,
        re.S,
    )
    assert found, "no Stay signed in form"
    return found.group(1), found.group(2)


def test_the_warning_kept_for_everyone_holds_nothing_of_one_person(world: World) -> None:
    # The warning's wording is rendered once per process: each page still has its own
    # person's token, page to come back to and time left.
    first, second = Client(), Client()
    sign_in(first, world.practitioner)
    sign_in(second, world.lead)
    one = first.get(reverse("assessments:home")).text
    second.get(reverse("help"))
    _set(second, **{STARTED_KEY: int(time.time()) - settings.SESSION_MAX_SECONDS + 90})
    other = second.get(reverse("help")).text
    (token, back), (other_token, other_back) = _stay_form(one), _stay_form(other)
    assert (back, other_back) == (reverse("assessments:home"), reverse("help"))
    assert token != other_token
    assert (
        first.cookies[settings.CSRF_COOKIE_NAME].value
        != second.cookies[settings.CSRF_COOKIE_NAME].value
    )
    assert (_dialog(one)["can-extend"], _dialog(other)["can-extend"]) == ("true", "false")
    assert int(_dialog(other)["seconds-left"]) <= 90
    assert "You’re about to be signed out" in one
    assert "You’re about to be signed out" in other


def test_the_warning_says_the_limit_the_settings_give(
    client: Client, world: World, settings: Any
) -> None:
    sign_in(client, world.practitioner)
    assert "signed in for 10 hours" in client.get(reverse("help")).text
    settings.SESSION_MAX_SECONDS = 4 * 60 * 60
    assert "signed in for 4 hours" in client.get(reverse("help")).text
