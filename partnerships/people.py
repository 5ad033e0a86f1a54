"""Bringing people into a partnership: someone with an account is added at once (and told by
e-mail); anyone else is invited, and joins when they accept. Both the lead's pages and the
spreadsheet import go through `bring_in`, and an invitation's acceptance through `accept`, so
the rules are written once."""

from __future__ import annotations

import enum

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts import two_factor
from accounts.models import User

from .models import Invitation, Partnership, PartnershipLead, Role, Team, TeamMembership


class Outcome(enum.StrEnum):
    ADDED = "added"  # an account already existed: added, and told by e-mail
    INVITED = "invited"  # no account: an invitation is on its way
    UNCHANGED = "unchanged"  # already in the team in that role, or already invited


def what_it_means(role: str, team: str, partnership: str) -> str:
    """One sentence, for the e-mails, on what the person will do in the toolkit."""
    if role == Role.PARTNERSHIP_LEAD:
        return gettext(
            "As a partnership lead you will see every team’s ratings in %(partnership)s, run "
            "its rounds and download its gap reports."
        ) % {"partnership": partnership}
    if role == Role.TEAM_LEAD:
        return gettext(
            "As the team lead of %(team)s you will rate the team’s workforce with your "
            "colleagues whenever a round is open, and submit the team’s answers."
        ) % {"team": team}
    return gettext(
        "As a member of %(team)s you will rate the team’s workforce with your colleagues "
        "whenever a round is open."
    ) % {"team": team}


def give_role(user: User, partnership: Partnership, team: Team | None, role: str) -> bool:
    """Makes the person what the role says, never taking anything away (a team lead stays one);
    returns whether anything changed."""
    changed = False
    if team is not None:
        membership, created = TeamMembership.objects.get_or_create(
            user=user, team=team, defaults={"is_team_lead": role == Role.TEAM_LEAD}
        )
        changed = created
        if role == Role.TEAM_LEAD and not membership.is_team_lead:
            TeamMembership.objects.filter(pk=membership.pk).update(is_team_lead=True)
            changed = True
    if role == Role.PARTNERSHIP_LEAD:
        _, created = PartnershipLead.objects.get_or_create(user=user, partnership=partnership)
        changed = changed or created
        if created:
            now_leads(user)
    return changed


def now_leads(user: User) -> None:
    """Someone just made a partnership lead: if leading needs a second step they have not set
    up, their sessions, signed in without it, end, so that the next sign-in asks for it."""
    if two_factor.step_needed(user) == two_factor.SET_UP:
        user.sign_out_everywhere()


@transaction.atomic
def bring_in(
    *,
    partnership: Partnership,
    team: Team | None,
    email: str,
    full_name: str,
    role: str,
    by: User,
) -> Outcome:
    """Adds the person with that address to the team in that role, or invites them."""
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is not None:
        if not give_role(user, partnership, team, role):
            return Outcome.UNCHANGED
        from .tasks import queue_added

        queue_added(partnership.pk, by.pk, [[user.pk, team.pk if team else None, role]])
        return Outcome.ADDED
    open_invitation = Invitation.objects.open().filter(
        partnership=partnership, email=email, team=team
    )
    current = open_invitation.first()
    if current is not None:
        if role != current.role and _outranks(role, current.role):
            open_invitation.update(role=role)
        return Outcome.UNCHANGED
    invitation = Invitation.objects.create(
        partnership=partnership,
        team=team,
        email=email,
        full_name=full_name.strip(),
        role=role,
        invited_by=by,
    )
    _queue_sending(invitation)
    return Outcome.INVITED


def _queue_sending(invitation: Invitation) -> None:
    from .tasks import queue_invitations

    queue_invitations([[invitation.pk, invitation.sends]])


_RANK = {Role.MEMBER: 0, Role.TEAM_LEAD: 1, Role.PARTNERSHIP_LEAD: 2}


def _outranks(role: str, than: str) -> bool:
    return _RANK[Role(role)] > _RANK[Role(than)]


def resend(invitation: Invitation) -> bool:
    """Sends a new link (the old one stops working), and a fresh expiry; False if the invitation
    was accepted or withdrawn meanwhile."""
    if invitation.accepted_at is not None or invitation.withdrawn_at is not None:
        return False
    _queue_sending(invitation)
    return True


def withdraw(invitation: Invitation) -> bool:
    """The link stops working at once. False if it was accepted (or withdrawn) first."""
    return bool(
        Invitation.objects.open().filter(pk=invitation.pk).update(withdrawn_at=timezone.now())
    )


class NotUsable(Exception):
    """The invitation was used, withdrawn or expired between showing the page and accepting."""


@transaction.atomic
def accept(
    invitation: Invitation, *, user: User | None, full_name: str = "", password: str = ""
) -> User:
    """Uses the invitation: for a new person, makes their account with that password; then
    gives them every open invitation to their address (each partnership's lead meant it), and
    marks those accepted. Raises NotUsable if another request used the link first."""
    now = timezone.now()
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create(
                    email=invitation.email,
                    full_name=full_name.strip() or invitation.full_name,
                    password=make_password(password),
                )
        except IntegrityError:  # the same link, accepted in another tab a moment ago
            raise NotUsable from None
    claimed = (
        Invitation.objects.usable(now)
        .filter(pk=invitation.pk, token_hash=invitation.token_hash)
        .update(accepted_at=now, accepted_by=user)
    )
    if not claimed:
        raise NotUsable
    others = Invitation.objects.open().not_expired(now).filter(email=user.email)
    for each in [invitation, *others.select_related("partnership", "team")]:
        give_role(user, each.partnership, each.team, each.role)
    others.update(accepted_at=now, accepted_by=user)
    return user
