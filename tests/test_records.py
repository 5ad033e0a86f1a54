"""What the daily clean-up deletes, and what it keeps."""

import datetime
import io

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import PasswordResetRequest

from .conftest import World
from .helpers import sign_in


def test_the_clean_up_deletes_old_sign_in_records_and_keeps_recent_ones(
    client: Client, world: World
) -> None:
    sign_in(client, world.practitioner)  # first: signing in clears a person's failures
    live = client.session.session_key
    now = timezone.now()
    old, recent = now - datetime.timedelta(days=91), now - datetime.timedelta(days=89)
    for when in (old, recent):
        fields = {"username": f"a{when:%j}", "user_agent": "x", "ip_address": "198.51.100.1"}
        made = [
            AccessAttempt.objects.create(failures_since_start=1, **fields),
            AccessFailureLog.objects.create(**fields),
            AccessLog.objects.create(**fields),
        ]
        for record in made:  # attempt_time is set on creation: move it back
            type(record).objects.filter(pk=record.pk).update(attempt_time=when)
    PasswordResetRequest.objects.create(
        email_digest="a", requested_at=now - datetime.timedelta(days=2)
    )
    PasswordResetRequest.objects.create(email_digest="b", requested_at=now)
    Session.objects.create(session_key="expired", session_data="", expire_date=now)

    out = io.StringIO()
    call_command("clean_up_records", stdout=out)

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        kept = set(model.objects.values_list("attempt_time", flat=True))
        assert old not in kept, model
        assert recent in kept, model
    assert list(PasswordResetRequest.objects.values_list("email_digest", flat=True)) == ["b"]
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert "Deleted 1 expired sessions." in out.getvalue()
