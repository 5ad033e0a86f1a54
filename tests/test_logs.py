"""The logs answer "who did this": every line has UTC time, level, request, person and address,
the events that matter are there, and no text a person typed ever is."""

import io
import logging
import re
from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment
from imh_toolkit.logs import RequestContextFilter

from .conftest import World
from .helpers import form_data, mark_submitted, save_url, sign_in

LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (DEBUG|INFO|WARNING|ERROR|CRITICAL) "
    r"request=(?P<request>[0-9a-f]{32}|-) user=(?P<user>\d+|-) client=(?P<client>\S+) "
    r"(?P<logger>\S+) (?P<message>.*)$"
)
Lines = Callable[[], list[re.Match[str]]]


@pytest.fixture
def logged() -> Iterator[Lines]:
    """What the production log handler has written since the test began, each line parsed;
    a line that does not follow the format fails the test."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RequestContextFilter) for f in h.filters)
    )
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous, level = handler.setStream(stream), handler.level
    handler.setLevel(logging.INFO)

    def lines() -> list[re.Match[str]]:
        raw = stream.getvalue().splitlines()
        parsed = [LINE.match(line) for line in raw]
        assert all(parsed), [line for line, found in zip(raw, parsed, strict=True) if not found]
        return [found for found in parsed if found]

    yield lines
    handler.setLevel(level)
    handler.setStream(previous)


def test_every_line_names_the_request_the_person_and_their_address(
    client: Client, world: World, logged: Lines
) -> None:
    sign_in(client, world.practitioner)
    response = client.get(reverse("assessments:home"), REMOTE_ADDR="198.51.100.7")
    client.get("/no-such-page/", REMOTE_ADDR="198.51.100.7")
    lines = logged()
    home = next(line for line in lines if line["message"].startswith("GET / 200"))
    assert home["logger"] == "imh.access"
    assert home["request"] == response["X-Request-ID"]
    assert home["user"] == str(world.practitioner.pk)
    assert home["client"] == "198.51.100.7"
    not_found = [line for line in lines if "/no-such-page/" in line["message"]]
    assert {line["logger"] for line in not_found} == {"django.request", "imh.access"}
    assert {line["user"] for line in not_found} == {str(world.practitioner.pk)}


def test_probing_another_partnerships_ids_shows_up(
    client: Client, world: World, logged: Lines
) -> None:
    theirs = Assessment.start(team=world.outsider_team, round=world.outsider_round)
    sign_in(client, world.practitioner)
    assert client.get(reverse("assessments:edit", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("assessments:edit", args=[999999])).status_code == 404
    probes = [line for line in logged() if line["logger"] == "imh.security"]
    assert [line["message"] for line in probes] == [
        f"out of scope: assessments.Assessment {theirs.pk}"  # the one that exists, only
    ]
    assert probes[0]["user"] == str(world.practitioner.pk)


def test_downloads_and_privilege_changes_are_logged_with_identifiers_only(
    client: Client, world: World, logged: Lines
) -> None:
    sign_in(client, world.lead)
    client.get(reverse("reports:ratings-csv", args=[world.round.pk]))
    sign_in(client, world.staff)
    url = reverse("admin:accounts_user_change", args=[world.practitioner.pk])
    client.post(
        url,
        {
            "email": world.practitioner.email,
            "full_name": world.practitioner.full_name,
            "is_active": "on",
            "is_staff": "on",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": world.practitioner.memberships.get().pk,
            "memberships-0-user": world.practitioner.pk,
            "memberships-0-team": world.team.pk,
            "partnership_roles-TOTAL_FORMS": "0",
            "partnership_roles-INITIAL_FORMS": "0",
        },
    )
    security = [line for line in logged() if line["logger"] == "imh.security"]
    messages = [line["message"] for line in security]
    assert (
        f"download ratings-partnership-{world.partnership.pk}-round-{world.round.pk}.csv"
        in messages
    )
    assert f"privileges of user {world.practitioner.pk} changed: is_staff False -> True" in messages
    changed_by = next(line for line in security if "privileges" in line["message"])
    assert changed_by["user"] == str(world.staff.pk)


def test_no_text_a_person_typed_reaches_the_logs(
    client: Client, world: World, logged: Lines
) -> None:
    secret = "Evidence only the team should read"
    assessment = Assessment.start(team=world.team, round=world.round)
    sign_in(client, world.practitioner)
    data = form_data(assessment, {"W01": ("red", secret, f"{secret} next")})
    client.post(save_url(assessment), data)
    bad = form_data(assessment, {"W01": ("red", f"{secret}\x01", "")})
    client.post(save_url(assessment), bad)
    mark_submitted(assessment)
    sign_in(client, world.lead)
    for route in ("ratings-csv", "ratings-xlsx", "gap-report"):
        client.get(reverse(f"reports:{route}", args=[world.round.pk]))
    lines = logged()
    assert lines  # the requests were logged
    assert not [line.group(0) for line in lines if secret in line.group(0)]
