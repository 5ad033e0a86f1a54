"""The partnership lead's pages for bringing people in (URL namespace `partnerships:`), and the
page an invited person's link opens. A lead reaches only partnerships they lead; anything else
is a 404, as everywhere."""

from dataclasses import asdict
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.scope import SignedInRequest, scoped_or_404

from . import imports
from .forms import InviteForm, JoinForm, UploadForm
from .models import Invitation, InvitationState, Partnership, PeopleImport, token_hash
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


def _led_import(request: SignedInRequest, pk: int) -> PeopleImport:
    return scoped_or_404(
        PeopleImport.objects.filter(
            partnership__in=Partnership.objects.led_by(request.user)
        ).select_related("partnership"),
        pk,
    )


@login_required
def import_people(request: SignedInRequest, partnership_id: int) -> HttpResponse:
    """Upload a spreadsheet of people; it is checked and shown before anything changes."""
    partnership = _led(request, partnership_id)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        several = form.cleaned_data["several_teams"]
        try:
            if upload.size > imports.MAX_BYTES:  # refused before it is read into memory
                imports.read(b"x" * (imports.MAX_BYTES + 1))
            rows, problems = imports.check(
                imports.read(upload.read(), upload.name), several_teams=several
            )
        except imports.Refused as refused:
            form.add_error("file", refused.message)
        else:
            return redirect(
                "partnerships:import-preview",
                _keep(request, partnership, upload.name, rows, problems, several).pk,
            )
    return render(
        request,
        "partnerships/import_people.html",
        {"partnership": partnership, "form": form, "columns": imports.COLUMNS},
    )


def _keep(
    request: SignedInRequest,
    partnership: Partnership,
    filename: str,
    rows: list[imports.Row],
    problems: list[imports.Problem],
    several_teams: bool,
) -> PeopleImport:
    # Earlier unconfirmed uploads hold people's details nobody needs any more: this lead's for
    # this partnership (this one replaces them), and anyone's from before yesterday.
    PeopleImport.objects.filter(
        Q(partnership=partnership, uploaded_by=request.user)
        | Q(uploaded_at__lt=timezone.now() - timedelta(days=1))
    ).delete()
    return PeopleImport.objects.create(
        partnership=partnership,
        uploaded_by=request.user,
        filename=filename[:255],
        rows=[asdict(row) for row in rows],
        problems=[asdict(problem) for problem in problems],
        several_teams=several_teams,
        fingerprint=imports.plan(partnership, rows).fingerprint(),
    )


def _rows_of(kept: PeopleImport) -> list[imports.Row]:
    return [imports.Row(**row) for row in kept.rows]


@login_required
def import_preview(request: SignedInRequest, pk: int) -> HttpResponse:
    kept = _led_import(request, pk)
    change = imports.plan(kept.partnership, _rows_of(kept))
    if change.fingerprint() != kept.fingerprint:  # something changed since the upload
        PeopleImport.objects.filter(pk=kept.pk).update(fingerprint=change.fingerprint())
    problems = [imports.Problem(**problem) for problem in kept.problems]
    return render(
        request,
        "partnerships/import_preview.html",
        {
            "kept": kept,
            "partnership": kept.partnership,
            "change": change,
            "summary": imports.summary(change),
            "problems": problems,
            "form": UploadForm(),
        },
    )


@login_required
@require_POST
def import_confirm(request: SignedInRequest, pk: int) -> HttpResponse:
    kept = _led_import(request, pk)
    if kept.problems:
        return redirect("partnerships:import-preview", kept.pk)
    try:
        done = imports.apply(
            kept.partnership,
            _rows_of(kept),
            by=request.user,
            end_missing=request.POST.get("end_missing") == "yes",
            expected=request.POST.get("fingerprint", ""),
        )
    except imports.Changed:
        messages.error(
            request,
            gettext(
                "Something changed in the partnership since this preview was made, so nothing "
                "was imported. Check the preview again, then confirm."
            ),
        )
        return redirect("partnerships:import-preview", kept.pk)
    PeopleImport.objects.filter(pk=kept.pk).delete()
    messages.success(request, _done_message(done))
    return redirect("partnerships:invitations", kept.partnership_id)


def _done_message(done: imports.Done) -> str:
    if not done.lines():
        return gettext("Nothing needed changing.")
    return gettext("Imported: %(changes)s. Any invitations are on their way.") % {
        "changes": ", ".join(done.lines())
    }


@login_required
def people_template(request: SignedInRequest, extension: str) -> HttpResponse:
    """The spreadsheet to fill in: the columns, two example rows, and (in the workbook) lists
    of the sectors, team types and roles to choose from."""
    if extension == "xlsx":
        content, kind = imports.template_xlsx(), imports.XLSX_TYPE
    else:
        content, kind = imports.template_csv(), "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="people-template.{extension}"'
    return response
