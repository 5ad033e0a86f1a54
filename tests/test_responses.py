"""What every response survives and carries: malformed requests get our error pages, never a
500, and nothing behind sign-in is kept in a shared computer's browser cache."""

import io
from wsgiref.util import setup_testing_defaults

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from assessments.models import Assessment
from imh_toolkit.views import server_error

from .conftest import World
from .helpers import mark_submitted, save_url, sign_in

FORM_POST = "application/x-www-form-urlencoded"


@pytest.fixture
def browser_like(world: World) -> Client:
    """A client that checks CSRF like the real site and already holds a CSRF cookie."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get(reverse("login"))
    assert "csrftoken" in client.cookies
    return client


@pytest.mark.parametrize("charset", ["utf-16", "latin-1", "cp500", "shift_jis", "x-unknown"])
@pytest.mark.parametrize("signed_in", [False, True])
def test_a_form_post_in_another_charset_gets_a_400_page_on_every_url(
    browser_like: Client, world: World, charset: str, signed_in: bool
) -> None:
    if signed_in:
        browser_like.force_login(world.practitioner)
    assessment = Assessment.start(team=world.team, round=world.round)
    urls = [
        reverse("login"),
        reverse("logout"),
        reverse("password_reset"),
        reverse("assessments:home"),
        save_url(assessment),
        reverse("admin:login"),
        "/no-such-page/",
    ]
    for url in urls:
        response = browser_like.generic(
            "POST", url, b"username=a&password=b", content_type=f"{FORM_POST}; charset={charset}"
        )
        assert response.status_code in {400, 403, 404, 405}, (url, response.status_code)
        if response.status_code == 400:
            assert "Something was wrong with that request" in response.text


def test_the_server_error_page_does_not_read_a_malformed_body(rf: RequestFactory) -> None:
    request = rf.generic("POST", "/", b"a=b", content_type=f"{FORM_POST}; charset=utf-16")
    request.COOKIES["csrftoken"] = "x" * 32
    response = server_error(request)
    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.content


def test_every_signed_in_page_and_download_says_no_store(client: Client, world: World) -> None:
    assessment = Assessment.start(team=world.team, round=world.round)
    mark_submitted(assessment)
    sign_in(client, world.lead)
    round_id = {"round_id": world.round.pk}
    urls = [
        reverse("assessments:home"),
        reverse("assessments:edit", args=[assessment.pk]),
        reverse("assessments:history", args=[assessment.pk]),
        reverse("assessments:reopen", args=[assessment.pk]),
        reverse("reports:team-report", args=[assessment.pk]),
        reverse("reports:dashboard", kwargs=round_id),
        reverse("reports:gap-report", kwargs=round_id),
        reverse("reports:ratings-csv", kwargs=round_id),
        reverse("reports:ratings-xlsx", kwargs=round_id),
        reverse("reports:summary-export", kwargs=round_id),
        "/no-such-page/",
    ]
    for url in urls:
        response = client.get(url)
        assert "no-store" in response.get("Cache-Control", ""), (url, response.status_code)
    sign_in(client, world.staff)
    assert "no-store" in client.get(reverse("admin:index")).get("Cache-Control", "")


def test_static_files_stay_cacheable(client: Client, world: World) -> None:
    sign_in(client, world.practitioner)
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_every_kind_of_response_switches_off_browser_features_and_base_urls(
    client: Client, world: World
) -> None:
    sign_in(client, world.lead)
    responses = {
        "page": client.get(reverse("assessments:home")),
        "download": client.get(reverse("reports:ratings-csv", args=[world.round.pk])),
        "static file": client.get("/static/css/app.css"),
        "error page": client.get("/no-such-page/"),
    }
    for kind, response in responses.items():
        policy = response.get("Permissions-Policy", "")
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
            assert feature in policy, (kind, feature)
    assert "base-uri 'none'" in responses["page"]["Content-Security-Policy"]


@pytest.mark.parametrize("charset", ["base64", "rot13", "zlib", "hex"])
@pytest.mark.parametrize(
    "content_type", [FORM_POST, "multipart/form-data; boundary=xx", "text/plain"]
)
def test_a_charset_that_is_no_text_encoding_gets_a_400_from_the_server_itself(
    db: None, charset: str, content_type: str
) -> None:
    # Django fails on these inside its request object, before any middleware or error page,
    # so the server's own entry point (imh_toolkit.wsgi, what gunicorn runs) must answer.
    from imh_toolkit.wsgi import application

    answers: list[str] = []
    environ: dict[str, object] = {}
    setup_testing_defaults(environ)
    environ.update(
        REQUEST_METHOD="POST",
        PATH_INFO="/sign-in/",
        QUERY_STRING="next=/",
        CONTENT_TYPE=f"{content_type}; charset={charset}",
        CONTENT_LENGTH="3",
        HTTP_HOST="localhost",
    )
    environ["wsgi.input"] = io.BytesIO(b"a=b")
    body = b"".join(application(environ, lambda status, headers: answers.append(status)))
    assert answers == ["400 Bad Request"]
    assert b"charset" in body


def test_the_server_entry_point_passes_ordinary_requests_through(db: None) -> None:
    from imh_toolkit.wsgi import application

    answers: list[str] = []
    environ: dict[str, object] = {}
    setup_testing_defaults(environ)
    environ.update(PATH_INFO="/healthz/", HTTP_HOST="localhost")
    body = b"".join(application(environ, lambda status, headers: answers.append(status)))
    assert answers == ["200 OK"]
    assert body == b"ok"


def test_pages_declare_the_language_they_are_in(client: Client, db: None) -> None:
    # From the active language (LocaleMiddleware, LANGUAGES), as a BCP 47 tag.
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="cy, fr;q=0.5")
    assert '<html lang="en-GB"' in response.text  # Welsh is not offered yet: English
    assert "Accept-Language" in response["Vary"]
