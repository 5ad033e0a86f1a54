"""Background work about people: sending invitations, and telling someone with an account that
a lead added them. The invitation's token is made here, inside the task, at the moment of
sending, and only its hash is stored: task arguments are kept in the database in plain text, so
the token must never be one. Each sending claims the invitation with a conditional update on
its count of sendings, so a task run twice (a retry, two workers) sends one e-mail."""

import secrets
from functools import partial
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts import emails
from accounts.models import User

from .models import Invitation, Partnership, Team, invitation_lifetime, token_hash
from .people import what_it_means

EMAILS_PER_TASK = 100  # so 5,000 people imported are 50 tasks


def queue_invitations(invitations: list[list[int]]) -> None:
    """Once the transaction commits, sends each invitation ([id, times sent so far]), a
    hundred to a task."""
    for start in range(0, len(invitations), EMAILS_PER_TASK):
        batch = invitations[start : start + EMAILS_PER_TASK]
        transaction.on_commit(partial(send_invitations.enqueue, batch))


def queue_added(partnership_id: int, added_by_id: int | None, people: list[list[Any]]) -> None:
    """Once the transaction commits, tells each person ([user id, team id or None, role])
    that they were added, a hundred to a task."""
    for start in range(0, len(people), EMAILS_PER_TASK):
        batch = people[start : start + EMAILS_PER_TASK]
        transaction.on_commit(partial(tell_added.enqueue, partnership_id, added_by_id, batch))


def _name(user: User | None, partnership: Partnership) -> str:
    if user is None:  # their account was deleted since
        return gettext("The partnership lead of %(partnership)s") % {
            "partnership": partnership.name
        }
    return user.get_full_name()


def _sent(invitation_id: int, sends: int) -> EmailMultiAlternatives | None:
    """Claims one sending of the invitation, with a new token, and builds its e-mail; None if
    someone sent it since `sends` was read, or it was accepted or withdrawn."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    claimed = (
        Invitation.objects.open()
        .filter(pk=invitation_id, sends=sends)
        .update(
            sends=F("sends") + 1,
            token_hash=token_hash(token),
            sent_at=now,
            expires_at=now + invitation_lifetime(),
        )
    )
    if not claimed:
        return None
    invitation = Invitation.objects.select_related("partnership", "team", "invited_by").get(
        pk=invitation_id
    )
    partnership = invitation.partnership
    place = invitation.team.name if invitation.team else partnership.name
    assert invitation.expires_at is not None
    return emails.invitation(
        to=invitation.email,
        invited_by=_name(invitation.invited_by, partnership),
        partnership=partnership.name,
        place=place,
        what=what_it_means(invitation.role, place, partnership.name),
        accept_url=emails.link(reverse("partnerships:accept", args=[token])),
        expires_at=invitation.expires_at,
    )


@task()
def send_invitations(invitations: list[list[int]]) -> int:
    """E-mails each invitation, given as [id, times sent when it was queued], with a new link:
    one e-mail for each, however often the task runs."""
    claimed = {
        invitation_id: message
        for invitation_id, sends in invitations
        if (message := _sent(invitation_id, sends)) is not None
    }
    try:
        return emails.send(claimed.values())
    except Exception:
        # Not sent after all: shown as "Being sent" again, with no link that works, so that
        # the lead sees it and "Send again" sends it. The worker records the failure.
        Invitation.objects.filter(pk__in=claimed).update(
            sent_at=None, expires_at=None, token_hash=None
        )
        raise


@task()
def tell_added(partnership_id: int, added_by_id: int | None, people: list[list[Any]]) -> int:
    """E-mails each person with an account, given as [user id, team id or None, role], that a
    lead added them to a team or to lead the partnership."""
    partnership = Partnership.objects.get(pk=partnership_id)
    added_by = User.objects.filter(pk=added_by_id).first() if added_by_id is not None else None
    users = User.objects.filter(pk__in=[p[0] for p in people], is_active=True).exclude(email="")
    by_id = {user.pk: user for user in users}
    teams = Team.objects.in_bulk([p[1] for p in people if p[1] is not None])
    messages = []
    for user_id, team_id, role in people:
        user = by_id.get(user_id)
        if user is None:
            continue
        team = teams.get(team_id) if team_id is not None else None
        place = team.name if team is not None else partnership.name
        messages.append(
            emails.added_to_team(
                to=user.email,
                added_by=_name(added_by, partnership),
                partnership=partnership.name,
                place=place,
                what=what_it_means(role, place, partnership.name),
                sign_in_url=emails.link(reverse("login")),
            )
        )
    return emails.send(messages)
