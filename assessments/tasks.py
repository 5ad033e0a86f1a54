"""Background work about assessments: the e-mails to a team when its assessment is submitted or
reopened, and a round's e-mails to the teams that have not submitted (its opening day, its
reminders). Each task claims its e-mail with a conditional update first, so a task run twice (a
retry, two workers) sends nothing the second time; a send that fails after the claim is not
tried again, and the worker records the failure."""

import datetime
from collections import defaultdict

from django.core.mail import EmailMultiAlternatives
from django.db.models import QuerySet
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from accounts import emails
from accounts.models import User

from .models import Assessment, Reminder

REMINDERS_PER_CLAIM = 200  # people claimed, then e-mailed over one connection, at a time


def _claim(assessment_id: int, status: str, event: str, when: str) -> Assessment | None:
    """The assessment, if it is still as the event left it (`event`_at is `when`, with that
    status) and nobody has e-mailed the team about that event yet: then it is marked e-mailed."""
    at = datetime.datetime.fromisoformat(when)
    claimed = (
        Assessment.objects.filter(pk=assessment_id, status=status, **{f"{event}_at": at})
        .exclude(**{f"emailed_{event}_at": at})
        .update(**{f"emailed_{event}_at": at})
    )
    if not claimed:  # e-mailed already, or undone since (reopened, or submitted again)
        return None
    return Assessment.objects.select_related("team", "round", f"{event}_by").get(pk=assessment_id)


def _members(assessment: Assessment) -> QuerySet[User]:
    return User.objects.filter(memberships__team_id=assessment.team_id, is_active=True).exclude(
        email=""
    )


def _name(user: User | None) -> str:
    return user.get_full_name() if user is not None else ""


@task()
def tell_team_submitted(assessment_id: int, submitted_at: str) -> int:
    """E-mails each member of the team that its assessment was submitted at that time."""
    assessment = _claim(assessment_id, Assessment.Status.SUBMITTED, "submitted", submitted_at)
    if assessment is None or assessment.submitted_at is None:
        return 0
    answers = emails.link(reverse("assessments:edit", args=[assessment.pk]))
    return emails.send(
        emails.assessment_submitted(
            to=member.email,
            team=assessment.team.name,
            round_name=assessment.round.name,
            submitted_by=_name(assessment.submitted_by),
            submitted_at=assessment.submitted_at,
            answers_url=answers,
        )
        for member in _members(assessment)
    )


@task()
def tell_team_reopened(assessment_id: int, reopened_at: str) -> int:
    """E-mails each member of the team that a lead reopened its assessment at that time."""
    assessment = _claim(assessment_id, Assessment.Status.IN_PROGRESS, "reopened", reopened_at)
    if assessment is None:
        return 0
    page = emails.link(reverse("assessments:edit", args=[assessment.pk]))
    return emails.send(
        emails.assessment_reopened(
            to=member.email,
            team=assessment.team.name,
            round_name=assessment.round.name,
            reopened_by=_name(assessment.reopened_by),
            reason=assessment.reopened_reason,
            closes_on=assessment.round.closes_on,
            assessment_url=page,
        )
        for member in _members(assessment)
    )


@task()
def send_reminder(reminder_id: int) -> int:
    """Sends one of a round's e-mails (its opening, or a reminder) to each person it is for,
    once it is due: one e-mail a person, naming each of their teams that has not submitted.
    Run again (a retry, a second worker, the daily safety net), it sends only to those whom
    nobody has claimed yet; a run whose reminder's day has moved, or whose round has closed,
    sends nothing."""
    reminder = (
        Reminder.objects.select_related("round__checklist", "round__partnership")
        .filter(pk=reminder_id)
        .first()
    )
    now = timezone.now()
    if reminder is None or not reminder.is_due(now):
        return 0
    people = _teams_by_person(reminder)
    items = reminder.round.checklist.items.count()
    waiting = sorted(people)
    sent = 0
    not_sent: list[int] = []
    for start in range(0, len(waiting), REMINDERS_PER_CLAIM):
        claimed = reminder.claim(
            waiting[start : start + REMINDERS_PER_CLAIM], today=timezone.localdate(now)
        )
        messages = [
            (user_id, _round_email(reminder, *people[user_id], items=items))
            for user_id in sorted(claimed)
        ]
        try:
            done, failed = emails.send_each(messages)
        except Exception:
            reminder.unclaim(claimed)  # the mail server could not be reached: nothing went
            raise
        reminder.unclaim(failed)  # for the next run to send, and nobody else twice
        sent += len(done)
        not_sent += failed
    if not_sent:  # the worker records the task as failed; queue_due_reminders tries again
        raise ReminderNotSentError(reminder.pk, not_sent, sent)
    reminder.finish()
    return sent


class ReminderNotSentError(Exception):
    def __init__(self, reminder_id: int, user_ids: list[int], sent: int) -> None:
        super().__init__(
            f"Reminder {reminder_id}: {len(user_ids)} e-mails not sent (to people "
            f"{user_ids[:20]}), {sent} sent; the next run tries those not sent again."
        )


def _teams_by_person(reminder: Reminder) -> dict[int, tuple[str, list[emails.TeamLink]]]:
    """Each person the reminder is for, by id: their address and their teams that have not
    submitted, with how far each has got. Two queries whatever the numbers."""
    round_ = reminder.round
    progress = {
        assessment.team_id: assessment
        for assessment in Assessment.objects.filter(round=round_).with_progress()
    }
    people: dict[int, tuple[str, list[emails.TeamLink]]] = {}
    teams: defaultdict[int, list[emails.TeamLink]] = defaultdict(list)
    memberships = round_.waiting_members().values_list(
        "user_id", "user__email", "team_id", "team__name"
    )
    for user_id, email, team_id, team_name in memberships.order_by("user_id", "team__name"):
        url = emails.link(reverse("assessments:team-round", args=[team_id, round_.pk]))
        teams[user_id].append(emails.TeamLink(team_name, _progress(progress.get(team_id)), url))
        people[user_id] = (email, teams[user_id])
    return people


def _progress(assessment: Assessment | None) -> str:
    if assessment is None:
        return progress(0, 0)
    rated = progress(assessment.rated_count, assessment.item_count)  # type: ignore[attr-defined]
    if assessment.is_reopened:
        return gettext(
            "reopened by your partnership lead, to change and submit again (%(rated)s)"
        ) % {"rated": rated}
    return rated


def progress(rated: int, items: int) -> str:
    """How far a team has got, as a round's e-mail says it."""
    if not rated:
        return gettext("not started")
    return ngettext(
        "%(rated)s of %(items)s item rated", "%(rated)s of %(items)s items rated", items
    ) % {"rated": rated, "items": items}


def _round_email(
    reminder: Reminder, to: str, teams: list[emails.TeamLink], *, items: int
) -> EmailMultiAlternatives:
    round_ = reminder.round
    if reminder.kind == Reminder.Kind.OPENING:
        return emails.round_opened(
            to=to,
            partnership=round_.partnership.name,
            round_name=round_.name,
            checklist=round_.checklist.name,
            items=items,
            closes_on=round_.closes_on,
            teams=teams,
        )
    return emails.reminder(
        to=to,
        partnership=round_.partnership.name,
        round_name=round_.name,
        closes_on=round_.closes_on,
        days_left=(round_.closes_on - timezone.localdate()).days,
        teams=teams,
    )
