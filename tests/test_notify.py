"""E-mail through GOV.UK Notify: tried against a stand-in of Notify's API served on loopback,
which checks what the real one checks (the signed token, the template, the address), rather
than by replacing the client's methods."""

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from django.core import mail
from notifications_python_client.errors import HTTPError

from accounts import emails
from assessments import tasks
from assessments.models import Assessment, Rating

from .conftest import World
from .helpers import reopened_email

SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
API_KEY = f"toolkit_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = str(uuid.uuid4())


class StandInNotify(BaseHTTPRequestHandler):
    """POST /v2/notifications/email, as Notify answers it: 201 with the notification, 403 for
    a token not signed with the service's secret, 400 for an unknown template."""

    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, SECRET, algorithms=["HS256"])
            assert claims["iss"] == SERVICE_ID
        except (jwt.InvalidTokenError, AssertionError):
            return self._answer(403, {"errors": [{"error": "AuthError"}]})
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path != "/v2/notifications/email" or body.get("template_id") != TEMPLATE_ID:
            return self._answer(400, {"errors": [{"error": "BadRequestError"}]})
        self.server.received.append(body)  # type: ignore[attr-defined]
        return self._answer(201, {"id": str(uuid.uuid4()), "content": {}, "template": {}})

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet


@pytest.fixture
def notify(settings: Any) -> Iterator[list[dict[str, Any]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandInNotify)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "accounts.emails.NotifyBackend",
            "OPTIONS": {
                "api_key": API_KEY,
                "template_id": TEMPLATE_ID,
                "base_url": f"http://127.0.0.1:{server.server_port}",
            },
        }
    }
    yield server.received  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def _submitted(world: World) -> tuple[Assessment, str]:
    assessment = Assessment.start(team=world.team, round=world.round)
    Rating.objects.filter(assessment=assessment).update(rag="green", evidence="Audit")
    assessment.submit(by=world.practitioner)  # in the test's transaction: nothing queued
    when = Assessment.objects.get(pk=assessment.pk).submitted_at
    assert when is not None
    return assessment, when.isoformat()


def test_a_teams_e_mails_go_through_notify(world: World, notify: list[dict[str, Any]]) -> None:
    assessment, when = _submitted(world)
    assert tasks.tell_team_submitted.call(assessment.pk, when) == 1
    (notification,) = notify
    assert notification["email_address"] == "practitioner@example.org"
    assert notification["template_id"] == TEMPLATE_ID
    subject = notification["personalisation"]["subject"]
    assert subject == f"{world.team.name} has submitted its assessment for {world.round.name}"
    assert "Pat Practitioner submitted" in notification["personalisation"]["body"]
    assert mail.outbox == []  # nothing went the test's own way


def test_a_refusal_from_notify_fails_the_task_for_the_worker_to_record(
    world: World, notify: list[dict[str, Any]], settings: Any
) -> None:
    settings.MAILERS["default"]["OPTIONS"]["template_id"] = str(uuid.uuid4())  # not Notify's
    assessment, when = _submitted(world)
    with pytest.raises(HTTPError):
        tasks.tell_team_submitted.call(assessment.pk, when)
    assert notify == []


def test_a_key_that_is_not_the_services_is_refused(
    world: World, notify: list[dict[str, Any]], settings: Any
) -> None:
    settings.MAILERS["default"]["OPTIONS"]["api_key"] = f"other-{SERVICE_ID}-{uuid.uuid4()}"
    with pytest.raises(HTTPError):
        emails.send([reopened_email()])
    assert notify == []
