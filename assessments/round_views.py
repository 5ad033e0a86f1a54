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
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from accounts.scope import SignedInRequest, scoped_or_404
from partnerships.models import Partnership, Team

from .forms import ReminderForm, RoundDatesForm, RoundForm
from .models import Assessment, Reminder, ReminderDelivery, Round


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
                round_.set_up_emails(by=request.user)
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
        with transaction.atomic():
            form.save()
            round_.reschedule_emails()
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


@login_required
def reminders(request: SignedInRequest, round_id: int) -> HttpResponse:
    """The round's e-mails to teams that have not submitted: each with its day and state, a
    reminder added, and the way to send one now."""
    round_ = _led_round(request, round_id)
    form = ReminderForm(request.POST or None, round=round_)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                reminder = form.save(commit=False)
                reminder.created_by = request.user
                reminder.save()
                reminder.queue()
        except IntegrityError:  # the same reminder, posted twice at once (a double click)
            return redirect("assessments:reminders", round_.pk)
        messages.success(
            request,
            gettext("Teams that have not submitted will be reminded on %(day)s.")
            % {"day": date_format(reminder.due_on(), "l j F Y")},
        )
        return redirect("assessments:reminders", round_.pk)
    listed = list(
        round_.reminders.annotate(
            people=Count("deliveries", filter=Q(deliveries__sent_at__isnull=False)),
            started=Count("deliveries"),
        ).select_related("created_by")
    )
    for reminder in listed:
        reminder.round = round_
    listed.sort(key=lambda reminder: (reminder.due_on(), reminder.pk))
    return render(
        request,
        "assessments/reminders.html",
        {"round": round_, "reminders": listed, "form": form, **_waiting(round_)},
    )


def _waiting(round_: Round) -> dict[str, int]:
    """How many teams taking part have not submitted, how many people are in them, and how
    many of those have had one of the round's e-mails today (and will not get another)."""
    waiting = round_.waiting_members()
    people = set(waiting.values_list("user_id", flat=True))
    taking_part = round_.teams_taking_part()
    submitted = taking_part.filter(
        assessments__round=round_, assessments__status=Assessment.Status.SUBMITTED
    )
    teams = taking_part.count()
    return {
        "teams_taking_part": teams,
        "teams_waiting": teams - submitted.count(),
        "people_waiting": len(people),
        "reminded_today": ReminderDelivery.objects.filter(
            round=round_, day=timezone.localdate(), user_id__in=people
        ).count(),
    }


@login_required
def remind_now(request: SignedInRequest, round_id: int) -> HttpResponse:
    """A reminder sent now to every member of the teams taking part that have not submitted,
    after the lead has seen how many people it reaches."""
    round_ = _led_round(request, round_id)
    waiting = _waiting(round_)
    today = timezone.localdate()
    # Before the opening e-mail has gone on the opening day, a reminder would take its place
    # (one e-mail a day); and one reminder sent now is enough until it has gone.
    opening_to_come = round_.reminders.filter(
        kind=Reminder.Kind.OPENING, finished_at=None, round__opens_on=today
    ).exists()
    already_sending = round_.reminders.filter(send_on=today, finished_at=None).exists()
    can_send = (
        round_.is_open
        and waiting["people_waiting"] > waiting["reminded_today"]
        and not opening_to_come
        and not already_sending
    )
    if request.method == "POST" and can_send:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                round=round_,
                kind=Reminder.Kind.REMINDER,
                send_on=today,
                created_by=request.user,
            )
            reminder.queue()
        people = waiting["people_waiting"] - waiting["reminded_today"]
        messages.success(
            request,
            ngettext(
                "The reminder is being sent to %(people)s person.",
                "The reminder is being sent to %(people)s people.",
                people,
            )
            % {"people": people},
        )
        return redirect("assessments:reminders", round_.pk)
    return render(
        request,
        "assessments/remind_now.html",
        {
            "round": round_,
            "can_send": can_send,
            "opening_to_come": opening_to_come,
            "already_sending": already_sending,
            **waiting,
        },
    )


@login_required
@require_POST
def remove_reminder(request: SignedInRequest, reminder_id: int) -> HttpResponse:
    """Removes a reminder that nobody has been sent yet (one being sent stays)."""
    reminder = scoped_or_404(
        Reminder.objects.filter(round__in=Round.objects.led_by(request.user)).select_related(
            "round"
        ),
        reminder_id,
    )
    removed, _ = (  # only a scheduled reminder: the opening e-mail and one sent now stay
        Reminder.objects.filter(
            pk=reminder.pk, kind=Reminder.Kind.REMINDER, days_before__isnull=False, finished_at=None
        )
        .exclude(deliveries__isnull=False)
        .delete()
    )
    if removed:
        messages.success(
            request,
            gettext("The reminder on %(day)s is removed.")
            % {"day": date_format(reminder.due_on(), "l j F Y")},
        )
    return redirect("assessments:reminders", reminder.round_id)
