"""Invitations instead of passwords: a lead invites someone by e-mail; the link sets a password
and lands them on their team's assessment. The link works once, for its own address, until it
expires or is withdrawn, and each of those ends on a page that says so. Only the token's hash is
stored; someone who already has an account is added at once and told by e-mail."""

import datetime
import hashlib
import io
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from assessments.models import Assessment
from partnerships import tasks
from partnerships.models import Invitation, PartnershipLead, Role, TeamMembership
from partnerships.people import Outcome, bring_in

from .conftest import World
from .helpers import PASSWORD, make_user, sign_in

# Real commits, so that what is queued once a change commits (the e-mails) is sent, as it is
# for a person using the service.
pytestmark = pytest.mark.django_db(transaction=True)

NEW = "new.person@example.org"
GOOD_PASSWORD = "tangerine-kettle-harbour-42"


def _invite(world: World, email: str = NEW, **given: object) -> Outcome:
    options = {"team": world.team, "full_name": "Nia New", "role": Role.MEMBER, **given}
    return bring_in(partnership=world.partnership, email=email, by=world.lead, **options)  # type: ignore[arg-type]


def _link(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://\S+/join/(\S+?)/", str(message.body))
    assert found is not None, message.body
    return reverse("partnerships:accept", args=[found.group(1)])


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def _accept(client: Client, url: str, password: str = GOOD_PASSWORD) -> Any:
    data = {"full_name": "Nia New", "new_password1": password, "new_password2": password}
    return client.post(url, data)


def test_an_invited_person_sets_a_password_and_lands_on_their_teams_assessment(
    client: Client, world: World
) -> None:
    assert _invite(world) == Outcome.INVITED
    (message,) = mail.outbox
    assert message.to == [NEW]
    assert world.team.name in message.subject
    url = _link(message)
    assert "until" in message.body
    assert "works once" in message.body

    page = client.get(url)
    assert page.status_code == 200
    assert "Accept your invitation" in page.text
    assert NEW in page.text

    response = client.post(url, {"full_name": "Nia New", "new_password1": "short"})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert not User.objects.filter(email=NEW).exists()

    response = _accept(client, url)
    person = User.objects.get(email=NEW)
    assert person.check_password(GOOD_PASSWORD)
    assert person.full_name == "Nia New"
    assert TeamMembership.objects.filter(user=person, team=world.team).exists()
    assert response["Location"] == reverse("assessments:team", args=[world.team.pk])
    landing = client.get(response["Location"])
    assessment = Assessment.objects.get(team=world.team, round=world.round)
    assert landing["Location"] == reverse("assessments:edit", args=[assessment.pk])
    assert "You have joined" in client.get(landing["Location"]).text


def test_only_the_tokens_hash_is_stored_and_the_queued_task_holds_no_token(
    world: World, settings: pytest.FixtureRequest
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # type: ignore[attr-defined]
    _invite(world)
    (queued,) = DBTaskResult.objects.all()
    invitation = Invitation.objects.get()
    assert queued.args_kwargs == {"args": [[[invitation.pk, 0]]], "kwargs": {}}
    assert invitation.token_hash is None
    assert not mail.outbox

    tasks.send_invitations.call(*queued.args_kwargs["args"])  # as the worker runs it
    token = _token(_link(mail.outbox[0]))
    assert len(token) >= 40
    invitation.refresh_from_db()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = [str(value) for value in Invitation.objects.values().get().values()]
    stored += [str(row.args_kwargs) for row in DBTaskResult.objects.all()]
    assert all(token not in value for value in stored)
    assert invitation.sends == 1


def test_the_link_works_once(client: Client, world: World) -> None:
    _invite(world)
    url = _link(mail.outbox[0])
    _accept(client, url)
    client.logout()
    again = _accept(client, url, "another-long-password-77")
    assert "This invitation has already been used" in again.text
    assert User.objects.get(email=NEW).check_password(GOOD_PASSWORD)


def test_an_expired_invitation_says_so_and_can_be_sent_again(client: Client, world: World) -> None:
    _invite(world)
    url = _link(mail.outbox[0])
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    for response in (client.get(url), _accept(client, url)):
        assert response.status_code == 200
        assert "This invitation has expired" in response.text
    assert not User.objects.filter(email=NEW).exists()

    sign_in(client, world.lead)
    client.post(reverse("partnerships:resend", args=[Invitation.objects.get().pk]))
    client.logout()
    fresh = _link(mail.outbox[-1])
    assert fresh != url
    assert "This invitation link does not work" in client.get(url).text  # the old one is gone
    _accept(client, fresh)
    assert User.objects.filter(email=NEW).exists()


def test_the_invitation_lasts_fourteen_days_by_default(world: World) -> None:
    _invite(world)
    invitation = Invitation.objects.get()
    assert invitation.sent_at is not None
    assert invitation.expires_at is not None
    assert invitation.expires_at - invitation.sent_at == datetime.timedelta(days=14)


def test_a_withdrawn_invitation_says_so(client: Client, world: World) -> None:
    _invite(world)
    url = _link(mail.outbox[0])
    sign_in(client, world.lead)
    invitation = Invitation.objects.get()
    confirm = client.get(reverse("partnerships:withdraw", args=[invitation.pk]))
    assert "Withdraw the invitation to" in confirm.text
    client.post(reverse("partnerships:withdraw", args=[invitation.pk]))
    client.logout()
    for response in (client.get(url), _accept(client, url)):
        assert "This invitation was withdrawn" in response.text
    assert not User.objects.filter(email=NEW).exists()


def test_withdrawn_between_opening_the_page_and_accepting_it_is_not_used(
    client: Client, world: World
) -> None:
    _invite(world)
    url = _link(mail.outbox[0])
    assert client.get(url).status_code == 200
    Invitation.objects.update(withdrawn_at=timezone.now())
    assert "This invitation was withdrawn" in _accept(client, url).text
    assert not User.objects.filter(email=NEW).exists()


def test_someone_signed_in_with_another_address_cannot_use_it(client: Client, world: World) -> None:
    _invite(world, team=world.other_team)
    url = _link(mail.outbox[0])
    sign_in(client, world.practitioner)
    for response in (client.get(url), client.post(url)):
        assert "This invitation is for someone else" in response.text
    assert not TeamMembership.objects.filter(
        user=world.practitioner, team=world.other_team
    ).exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_unknown_or_mangled_link_gets_a_clear_page(client: Client, world: World) -> None:
    for token in ["x" * 43, "'; DROP TABLE--", "é" * 500]:
        response = client.get(reverse("partnerships:accept", args=[token]))
        assert response.status_code == 404
        assert "This invitation link does not work" in response.text


def test_sending_twice_sends_one_email_and_a_resend_replaces_the_link(world: World) -> None:
    _invite(world)
    invitation = Invitation.objects.get()
    assert tasks.send_invitations.call([[invitation.pk, 0]]) == 0  # a retry of the first sending
    assert len(mail.outbox) == 1
    first = invitation.token_hash or Invitation.objects.get().token_hash
    assert tasks.send_invitations.call([[invitation.pk, 1]]) == 1
    assert len(mail.outbox) == 2
    assert Invitation.objects.get().token_hash != first


def test_someone_with_an_account_is_added_at_once_and_told(client: Client, world: World) -> None:
    assert _invite(world, email=" Lead@Example.org ", team=world.other_team) == Outcome.ADDED
    assert TeamMembership.objects.filter(user=world.lead, team=world.other_team).exists()
    assert not Invitation.objects.exists()
    (message,) = mail.outbox
    assert message.to == ["lead@example.org"]
    assert "You have been added to Community Midwifery" in message.subject
    assert "nothing to set up" in message.body
    # The same again changes nothing and sends nothing.
    assert _invite(world, email="lead@example.org", team=world.other_team) == Outcome.UNCHANGED
    assert len(mail.outbox) == 1


def test_inviting_the_same_person_again_sends_nothing_new(world: World) -> None:
    assert _invite(world) == Outcome.INVITED
    assert _invite(world, email=NEW.upper()) == Outcome.UNCHANGED
    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_an_account_made_since_signs_in_and_then_accepts(client: Client, world: World) -> None:
    _invite(world)
    url = _link(mail.outbox[0])
    person = make_user(NEW)
    page = client.get(url)
    assert "Sign in to accept your invitation" in page.text
    client.post(reverse("login"), {"username": NEW, "password": PASSWORD})
    assert "Accept invitation" in client.get(url).text
    response = client.post(url)
    assert response["Location"] == reverse("assessments:team", args=[world.team.pk])
    assert TeamMembership.objects.filter(user=person, team=world.team).exists()


def test_accepting_one_invitation_gives_every_open_one_to_that_address(
    client: Client, world: World
) -> None:
    _invite(world)
    _invite(world, team=world.other_team, role=Role.TEAM_LEAD)
    _accept(client, _link(mail.outbox[0]))
    person = User.objects.get(email=NEW)
    assert set(TeamMembership.objects.filter(user=person).values_list("team", "is_team_lead")) == {
        (world.team.pk, False),
        (world.other_team.pk, True),
    }
    assert not Invitation.objects.open().exists()


def test_an_invited_partnership_lead_leads_and_is_asked_for_a_second_factor(
    client: Client, world: World, settings: pytest.FixtureRequest
) -> None:
    settings.REQUIRE_TWO_FACTOR = "leads"  # type: ignore[attr-defined]
    _invite(world, team=None, role=Role.PARTNERSHIP_LEAD)
    response = _accept(client, _link(mail.outbox[0]))
    person = User.objects.get(email=NEW)
    assert PartnershipLead.objects.filter(user=person, partnership=world.partnership).exists()
    assert response["Location"] == reverse("assessments:home")
    assert client.get(reverse("assessments:home"))["Location"].startswith(
        reverse("two_factor_set_up")
    )


def test_the_lead_invites_from_a_form_and_sees_each_state(client: Client, world: World) -> None:
    sign_in(client, world.lead)
    form = reverse("partnerships:invite", args=[world.partnership.pk])
    refused = client.post(form, {"email": "not an address", "role": Role.MEMBER})
    assert "Enter an email address in the correct format" in refused.text
    assert "Choose the team they will rate" in refused.text
    other_partnerships_team = {"email": NEW, "role": Role.MEMBER, "team": world.outsider_team.pk}
    assert "Select a valid choice" in client.post(form, other_partnerships_team).text
    assert not Invitation.objects.exists()

    for email in ["a@example.org", "b@example.org", "c@example.org", "d@example.org"]:
        client.post(form, {"email": email, "role": Role.MEMBER, "team": world.team.pk})
    Invitation.objects.filter(email="b@example.org").update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    Invitation.objects.filter(email="c@example.org").update(withdrawn_at=timezone.now())
    client.logout()
    _accept(client, _link(next(m for m in mail.outbox if m.to == ["d@example.org"])))
    sign_in(client, world.lead)
    page = client.get(reverse("partnerships:invitations", args=[world.partnership.pk])).text
    for state in ["Sent", "Expired", "Withdrawn", "Accepted"]:
        assert f'">{state}</strong>' in page
    assert "1 waiting for an answer, 1 accepted, 1 expired." in page
    assert "Each link works once, for 14 days." in page


def test_tokens_are_left_out_of_the_access_log(
    client: Client, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    _invite(world)
    url = _link(mail.outbox[0])
    with caplog.at_level("INFO", logger="imh.access"):
        client.get(url)
    lines = [record.getMessage() for record in caplog.records if record.name == "imh.access"]
    assert lines == ["GET /join/[token]/ 200 " + lines[0].rsplit(" ", 1)[1]]
    assert _token(url) not in caplog.text


def test_tokens_are_left_out_of_djangos_own_log_lines(world: World) -> None:
    import logging

    from imh_toolkit.logs import RequestContextFilter, UTCFormatter

    _invite(world)
    url = _link(mail.outbox[0])
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(UTCFormatter())
    handler.addFilter(RequestContextFilter())
    logging.getLogger().addHandler(handler)
    try:
        refused = Client(enforce_csrf_checks=True).post(url, {"full_name": "Nia"})
        reset = Client().get("/password-reset/MQ/abc-0123456789abcdef/")
    finally:
        logging.getLogger().removeHandler(handler)
    assert refused.status_code == 403
    assert reset.status_code in {200, 302}
    written = lines.getvalue()
    assert "Forbidden (CSRF cookie not set.): /join/[token]/" in written
    assert _token(url) not in written
    assert "abc-0123456789abcdef" not in written


def test_an_invitation_whose_sending_fails_is_not_shown_as_sent_and_can_be_sent_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accounts import emails

    def refuse(messages: object) -> int:
        raise ConnectionError("the mail server went away")

    monkeypatch.setattr(emails, "send", refuse)
    _invite(world)  # the task fails (the worker records it); the lead's request does not
    invitation = Invitation.objects.get()
    assert invitation.state() == "queued"  # "Being sent": not "Sent"
    assert invitation.token_hash is None
    monkeypatch.undo()
    lead = Client()
    sign_in(lead, world.lead)
    lead.post(reverse("partnerships:resend", args=[invitation.pk]))
    assert Invitation.objects.get().state() == "sent"
    assert len(mail.outbox) == 1


def test_someone_made_a_lead_while_signed_in_must_sign_in_again_for_the_second_step(
    world: World, settings: pytest.FixtureRequest
) -> None:
    settings.REQUIRE_TWO_FACTOR = "leads"  # type: ignore[attr-defined]
    member = Client()
    member.post(reverse("login"), {"username": world.practitioner.email, "password": PASSWORD})
    assert member.get(reverse("assessments:home")).status_code == 200
    _invite(world, email=world.practitioner.email, team=None, role=Role.PARTNERSHIP_LEAD)
    assert member.get(reverse("assessments:home"))["Location"].startswith(reverse("login"))
    member.post(reverse("login"), {"username": world.practitioner.email, "password": PASSWORD})
    assert member.get(reverse("assessments:home"))["Location"].startswith(
        reverse("two_factor_set_up")
    )
