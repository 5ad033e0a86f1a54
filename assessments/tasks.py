"""Background work about assessments: the e-mails to a team when its assessment is submitted or
reopened. Each task claims its e-mail with a conditional update first, so a task run twice (a
retry, two workers) sends nothing the second time; a send that fails after the claim is not
tried again, and the worker records the failure."""

import datetime

from django.db.models import QuerySet
from django.tasks import task
from django.urls import reverse

from accounts import emails
from accounts.models import User

from .models import Assessment


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
