"""The partnership lead's pages for running rounds: every round with its progress, a new round,
its dates changed, closing it now. A lead reaches only the rounds of partnerships they lead;
anything else is a 404, as everywhere."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from accounts.scope import SignedInRequest, scoped_or_404
from partnerships.models import Partnership, Team

from .forms import RoundDatesForm, RoundForm
from .models import Assessment, Round


def _led_round(request: SignedInRequest, round_id: int) -> Round:
    return scoped_or_404(
        Round.objects.led_by(request.user).select_related("partnership", "checklist"), round_id
    )


def _named(round_: Round) -> dict[str, str]:
    return {
        "round": round_.name,
        "opens": date_format(round_.opens_on, "j F Y"),
        "closes": date_format(round_.closes_on, "j F Y"),
    }


@login_required
def rounds(request: SignedInRequest, partnership_id: int) -> HttpResponse:
    partnership = scoped_or_404(Partnership.objects.led_by(request.user), partnership_id)
    listed = list(
        partnership.rounds.select_related("checklist")
        .annotate(
            submitted=Count(
                "assessments",
                filter=Q(assessments__status=Assessment.Status.SUBMITTED),
                distinct=True,
            ),
            left_out_active=Count("left_out", filter=Q(left_out__is_active=True), distinct=True),
        )
        .order_by("-opens_on")
    )
    teams = Team.objects.filter(organisation__partnership=partnership, is_active=True).count()
    for round_ in listed:
        round_.taking_part = teams - round_.left_out_active  # type: ignore[attr-defined]
    return render(
        request,
        "assessments/rounds.html",
        {"partnership": partnership, "rounds": listed, "teams": teams},
    )


@login_required
def new_round(request: SignedInRequest, partnership_id: int) -> HttpResponse:
    partnership = scoped_or_404(Partnership.objects.led_by(request.user), partnership_id)
    today = timezone.localdate()
    form = RoundForm(
        request.POST or None,
        partnership=partnership,
        initial={"opens_on": today, "closes_on": today + datetime.timedelta(weeks=6)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                round_ = form.save()
        except IntegrityError:  # the same round, posted twice at once (a double click)
            return redirect("assessments:rounds", partnership.pk)
        messages.success(
            request,
            gettext("%(round)s is set up: it opens on %(opens)s and closes on %(closes)s.")
            % _named(round_),
        )
        return redirect("assessments:rounds", partnership.pk)
    return render(request, "assessments/round_new.html", {"partnership": partnership, "form": form})


@login_required
def round_dates(request: SignedInRequest, round_id: int) -> HttpResponse:
    round_ = _led_round(request, round_id)
    form = RoundDatesForm(request.POST or None, instance=round_)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request, gettext("%(round)s now runs from %(opens)s to %(closes)s.") % _named(round_)
        )
        return redirect("assessments:rounds", round_.partnership_id)
    return render(request, "assessments/round_dates.html", {"round": round_, "form": form})


@login_required
def close_round(request: SignedInRequest, round_id: int) -> HttpResponse:
    """Closes an open round today: its last day becomes yesterday, so teams can no longer save
    or submit, and what was submitted stands."""
    round_ = _led_round(request, round_id)
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    # Its last day becomes yesterday, which must come after its first day.
    can_close = round_.state == "open" and round_.opens_on < yesterday
    if request.method == "POST" and can_close:
        Round.objects.filter(pk=round_.pk).update(closes_on=yesterday)
        messages.success(
            request,
            gettext("%(round)s is closed. Teams can read their answers but not change them.")
            % {"round": round_.name},
        )
        return redirect("assessments:rounds", round_.partnership_id)
    return render(
        request,
        "assessments/round_close.html",
        {"round": round_, "can_close": can_close, "just_opened": round_.opens_on >= yesterday},
    )
