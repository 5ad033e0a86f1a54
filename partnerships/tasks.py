"""Background work about people: sending invitations, and telling someone with an account that
a lead added them. The invitation's token is made here, inside the task, at the moment of
sending, and only its hash is stored: task arguments are kept in the database in plain text, so
the token must never be one. Each sending claims the invitation with a conditional update on
its count of sendings, so a task run twice (a retry, two workers) sends one e-mail."""

import secrets

from django.db.models import F
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts import emails
from accounts.models import User

from .models import Invitation, Partnership, Team, invitation_lifetime, token_hash
from .people import what_it_means


def _name(user: User | None, partnership: Partnership) -> str:
    if user is None:  # their account was deleted since
        return gettext("The partnership lead of %(partnership)s") % {
            "partnership": partnership.name
        }
    return user.full_name or user.email


@task()
def send_invitation(invitation_id: int, sends: int) -> int:
    """E-mails the invitation with a new link, if nobody has sent it since `sends` was read."""
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
    if not claimed:  # sent by another run, or accepted or withdrawn since
        return 0
    invitation = Invitation.objects.select_related("partnership", "team", "invited_by").get(
        pk=invitation_id
    )
    partnership = invitation.partnership
    team = invitation.team.name if invitation.team else partnership.name
    assert invitation.expires_at is not None
    return emails.send(
        [
            emails.invitation(
                to=invitation.email,
                invited_by=_name(invitation.invited_by, partnership),
                partnership=partnership.name,
                place=team,
                what=what_it_means(invitation.role, team, partnership.name),
                accept_url=emails.link(reverse("partnerships:accept", args=[token])),
                expires_at=invitation.expires_at,
            )
        ]
    )


@task()
def tell_added(
    user_id: int, partnership_id: int, team_id: int | None, role: str, added_by_id: int
) -> int:
    """E-mails someone with an account that a lead added them to a team or to lead."""
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        return 0
    partnership = Partnership.objects.get(pk=partnership_id)
    team = Team.objects.filter(pk=team_id).first() if team_id is not None else None
    place = team.name if team is not None else partnership.name
    return emails.send(
        [
            emails.added_to_team(
                to=user.email,
                added_by=_name(User.objects.filter(pk=added_by_id).first(), partnership),
                partnership=partnership.name,
                place=place,
                what=what_it_means(role, place, partnership.name),
                sign_in_url=emails.link(reverse("login")),
            )
        ]
    )
