"""The partnership lead's pages for bringing people in (URL namespace `partnerships:`), and the
page an invited person's link opens. A lead reaches only partnerships they lead; anything else
is a 404, as everywhere."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.scope import SignedInRequest, scoped_or_404

from .forms import InviteForm, JoinForm
from .models import Invitation, InvitationState, Partnership, token_hash
from .people import NotUsable, Outcome, accept, bring_in, resend, withdraw


def _led(request: SignedInRequest, partnership_id: int) -> Partnership:
    return scoped_or_404(Partnership.objects.led_by(request.user), partnership_id)


def _led_invitation(request: SignedInRequest, pk: int) -> Invitation:
    return scoped_or_404(
        Invitation.objects.led_by(request.user).select_related("partnership", "team"), pk
    )


@login_required
def invitations(request: SignedInRequest, partnership_id: int) -> HttpResponse:
    partnership = _led(request, partnership_id)
    rows = list(
        partnership.invitations.select_related("team__organisation", "invited_by").order_by(
            "-created_at", "-pk"
        )
    )
    now = timezone.now()
    counts = dict.fromkeys(InvitationState.values, 0)
    for row in rows:
        row.shown_state = row.state(now)  # type: ignore[attr-defined]
        counts[row.shown_state] += 1  # type: ignore[attr-defined]
    return render(
        request,
        "partnerships/invitations.html",
        {
            "partnership": partnership,
            "rows": rows,
            "counts": counts,
            "States": InvitationState,
            "days": settings.INVITATION_DAYS,
        },
    )


@login_required
def invite(request: SignedInRequest, partnership_id: int) -> HttpResponse:
    partnership = _led(request, partnership_id)
    form = InviteForm(request.POST or None, partnership=partnership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = bring_in(
            partnership=partnership,
            team=data["team"],
            email=data["email"],
            full_name=data["full_name"],
            role=data["role"],
            by=request.user,
        )
        say = messages.info if outcome == Outcome.UNCHANGED else messages.success
        say(request, _outcome_message(outcome, data["email"]))
        return redirect("partnerships:invitations", partnership.pk)
    return render(request, "partnerships/invite.html", {"partnership": partnership, "form": form})


def _outcome_message(outcome: Outcome, email: str) -> str:
    if outcome == Outcome.ADDED:
        text = gettext("%(email)s already has an account, so they were added and told by email.")
    elif outcome == Outcome.INVITED:
        text = gettext("An invitation is on its way to %(email)s.")
    else:
        text = gettext("Nothing changed: %(email)s is already there, or already invited.")
    return text % {"email": email}


@login_required
@require_POST
def resend_invitation(request: SignedInRequest, pk: int) -> HttpResponse:
    invitation = _led_invitation(request, pk)
    if resend(invitation):
        messages.success(
            request,
            gettext(
                "A new invitation is on its way to %(email)s. The link in any earlier email "
                "no longer works."
            )
            % {"email": invitation.email},
        )
    else:
        messages.error(
            request,
            gettext("%(email)s’s invitation was accepted or withdrawn, so it was not sent.")
            % {"email": invitation.email},
        )
    return redirect("partnerships:invitations", invitation.partnership_id)


@login_required
def withdraw_invitation(request: SignedInRequest, pk: int) -> HttpResponse:
    invitation = _led_invitation(request, pk)
    if request.method == "POST":
        if withdraw(invitation):
            messages.success(
                request,
                gettext("%(email)s’s invitation is withdrawn: its link no longer works.")
                % {"email": invitation.email},
            )
        else:
            messages.error(
                request,
                gettext("%(email)s’s invitation had already been accepted or withdrawn.")
                % {"email": invitation.email},
            )
        return redirect("partnerships:invitations", invitation.partnership_id)
    return render(request, "partnerships/withdraw.html", {"invitation": invitation})


def _landing(invitation: Invitation) -> str:
    if invitation.team_id is not None:
        return reverse("assessments:team", args=[invitation.team_id])
    return reverse("assessments:home")


def _unusable(request: HttpRequest, invitation: Invitation | None, reason: str) -> HttpResponse:
    return render(
        request,
        "partnerships/join_unusable.html",
        {"invitation": invitation, "reason": reason},
        status=404 if invitation is None else 200,
    )


def join(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation's link: set a password and join, or join as the signed-in person."""
    invitation = (
        Invitation.objects.filter(token_hash=token_hash(token))
        .select_related("partnership", "team__organisation", "invited_by")
        .first()
    )
    user = request.user if request.user.is_authenticated else None
    if invitation is None:
        return _unusable(request, None, "unknown")
    state = invitation.state()
    if state == InvitationState.ACCEPTED:
        if user is not None and user.pk == invitation.accepted_by_id:
            return redirect(_landing(invitation))
        return _unusable(request, invitation, "accepted")
    if state in (InvitationState.WITHDRAWN, InvitationState.EXPIRED):
        return _unusable(request, invitation, state)
    if user is not None and user.email != invitation.email:
        return _unusable(request, invitation, "another_address")
    existing = user or User.objects.filter(email=invitation.email).first()
    if existing is not None:
        if user is None:  # they have an account: they sign in, then come back here
            return render(request, "partnerships/join_sign_in.html", {"invitation": invitation})
        if request.method == "POST":
            return _accepted(request, invitation, user=user)
        return render(request, "partnerships/join_confirm.html", {"invitation": invitation})
    form = JoinForm(
        User(email=invitation.email, full_name=invitation.full_name),
        request.POST or None,
        initial={"full_name": invitation.full_name},
    )
    if request.method == "POST" and form.is_valid():
        return _accepted(
            request,
            invitation,
            user=None,
            full_name=form.cleaned_data["full_name"],
            password=form.cleaned_data["new_password1"],
        )
    return render(request, "partnerships/join.html", {"invitation": invitation, "form": form})


def _accepted(
    request: HttpRequest,
    invitation: Invitation,
    *,
    user: User | None,
    full_name: str = "",
    password: str = "",
) -> HttpResponse:
    try:
        person = accept(invitation, user=user, full_name=full_name, password=password)
    except NotUsable:
        return _unusable(request, invitation, "accepted")
    if user is None:
        login(request, person, backend="django.contrib.auth.backends.ModelBackend")
    place = invitation.team.name if invitation.team else invitation.partnership.name
    messages.success(request, gettext("You have joined %(place)s.") % {"place": place})
    return redirect(_landing(invitation))
