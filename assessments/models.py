"""Rounds, and each team's assessment in a round: its ratings, their history and the journey's
rules (start, save, submit, reopen, copy forward)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from checklists.models import Checklist, Item, Rag
from partnerships.models import (
    Partnership,
    PartnershipLead,
    Team,
    TeamMembership,
    led_partnerships,
    reads_every_partnership,
)

from .text import normalise_line_breaks

if TYPE_CHECKING:
    from accounts.models import User


class RoundQuerySet(models.QuerySet["Round"]):
    def before(self, round: Round) -> RoundQuerySet:
        """The partnership's earlier rounds of the same checklist (any version of it: versions
        share a name), latest first. "The previous round" everywhere (copying forward, last
        round's answers, movement) is the first of these: a round of a different checklist is
        never compared with, so unrelated items that share a code are never matched."""
        return self.filter(
            partnership_id=round.partnership_id,
            checklist__name=round.checklist.name,
            opens_on__lt=round.opens_on,
        ).order_by("-opens_on")

    def led_by(self, user: User) -> RoundQuerySet:
        """Rounds the person runs: those of the partnerships they lead."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(partnership__in=led_partnerships(user))

    def open_on(self, day: datetime.date) -> RoundQuerySet:
        return self.filter(opens_on__lte=day, closes_on__gte=day)

    def visible_to(self, user: User) -> RoundQuerySet:
        if not user.is_authenticated:
            return self.none()
        member_of = TeamMembership.objects.filter(user=user)
        return self.filter(
            Q(partnership__in=member_of.values("team__organisation__partnership"))
            | Q(partnership__in=led_partnerships(user))
        )

    def reported_to(self, user: User) -> RoundQuerySet:
        """Rounds whose results the person may read: those of partnerships they lead, or every
        round with the explicit permission to read every partnership's."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(partnership__in=led_partnerships(user)) | reads_every_partnership(user)
        )


class Round(models.Model):
    """One assessment cycle of a partnership against one published checklist."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("partnership")
    )
    checklist = models.ForeignKey(
        Checklist,
        on_delete=models.PROTECT,
        related_name="rounds",
        limit_choices_to=~Q(status=Checklist.Status.DRAFT),
        verbose_name=_("checklist"),
    )
    name = models.CharField(max_length=200, verbose_name=_("name"))
    opens_on = models.DateField(verbose_name=_("opens on"))
    closes_on = models.DateField(
        help_text=_("The last day teams can save or submit."), verbose_name=_("closes on")
    )
    left_out = models.ManyToManyField(
        Team,
        blank=True,
        related_name="rounds_left_out_of",
        verbose_name=_("teams not taking part"),
        help_text=_(
            "Every active team of the partnership takes part, except these. A team that has "
            "answered counts all the same."
        ),
    )

    # When anything a report of the round reads last changed (see assessments.changes): a
    # report rendered from data read before this is out of date.
    data_changed_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("data changed at")
    )

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["partnership__name", "-opens_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gt=F("opens_on")), name="round_closes_after_it_opens"
            ),
            models.UniqueConstraint(
                fields=["partnership", "name"], name="round_name_unique_in_partnership"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.partnership})"

    def clean(self) -> None:
        super().clean()
        if self.opens_on and self.closes_on and self.closes_on <= self.opens_on:
            raise ValidationError(
                {"closes_on": gettext("The closing date must be after the opening date.")}
            )
        if self.checklist_id and self.checklist.status == Checklist.Status.DRAFT:
            raise ValidationError(
                {"checklist": gettext("Publish the checklist before starting a round.")}
            )
        if self._replaces_a_started_checklist():
            raise ValidationError(
                {
                    "checklist": gettext(
                        "Teams have started this round, so its checklist cannot be changed: "
                        "their answers are to this checklist's items. To use another checklist, "
                        "create a new round."
                    )
                }
            )
        overlapping = self.overlapping().first()
        if overlapping is not None:
            raise ValidationError(
                gettext(
                    "%(round)s already runs from %(opens)s to %(closes)s for this partnership and "
                    "checklist. Rounds of one checklist must not overlap, or teams would be asked "
                    "twice: choose dates outside it, or change that round."
                )
                % {
                    "round": overlapping.name,
                    "opens": date_format(overlapping.opens_on),
                    "closes": date_format(overlapping.closes_on),
                }
            )

    def _replaces_a_started_checklist(self) -> bool:
        if self.pk is None or not self.checklist_id:
            return False
        stored = Round.objects.filter(pk=self.pk).values_list("checklist_id", flat=True).first()
        return stored != self.checklist_id and self.assessments.exists()

    def overlapping(self) -> RoundQuerySet:
        """The partnership's other rounds of the same checklist whose dates meet this one's."""
        if not (self.partnership_id and self.checklist_id and self.opens_on and self.closes_on):
            return Round.objects.none()
        return Round.objects.filter(
            partnership_id=self.partnership_id,
            checklist__name=self.checklist.name,
            opens_on__lte=self.closes_on,
            closes_on__gte=self.opens_on,
        ).exclude(pk=self.pk)

    @property
    def is_open(self) -> bool:
        return self.opens_on <= timezone.localdate() <= self.closes_on

    @property
    def state(self) -> str:
        """ "upcoming", "open" or "closed", on today's date in London."""
        today = timezone.localdate()
        if today < self.opens_on:
            return "upcoming"
        return "open" if today <= self.closes_on else "closed"

    def teams_taking_part(self) -> models.QuerySet[Team]:
        """The partnership's active teams, less those the lead left out of this round."""
        return Team.objects.filter(
            organisation__partnership_id=self.partnership_id, is_active=True
        ).exclude(pk__in=self.left_out.values("pk"))

    def waiting_members(self) -> models.QuerySet[TeamMembership]:
        """Whom the round's e-mails are for: the active members with an e-mail address of each
        team taking part that has not submitted."""
        submitted = Assessment.objects.filter(
            round_id=self.pk, status=Assessment.Status.SUBMITTED
        ).values("team_id")
        return (
            TeamMembership.objects.filter(team__in=self.teams_taking_part(), user__is_active=True)
            .exclude(user__email="")
            .exclude(team_id__in=submitted)
        )

    def set_up_emails(self, *, by: User | None) -> None:
        """A new round's e-mails: to every team taking part on its opening day, and the default
        reminders (those that fall after the opening day), each queued for its day."""
        closes, opens = self.closes_on, self.opens_on
        reminders = [Reminder(round=self, kind=ReminderKind.OPENING, created_by=by)] + [
            Reminder(round=self, kind=ReminderKind.REMINDER, days_before=days, created_by=by)
            for days in DEFAULT_REMINDER_DAYS
            if reminder_day(closes, days) > opens
        ]
        for reminder in reminders:
            reminder.save()
            reminder.queue()

    def reschedule_emails(self) -> None:
        """After the dates change: each e-mail not yet sent is queued for its new day."""
        for reminder in self.reminders.filter(finished_at=None):
            reminder.round = self
            reminder.queue()

    def previous(self) -> Round | None:
        """The round before this one, to compare against (RoundQuerySet.before)."""
        return Round.objects.before(self).first()


@dataclass(frozen=True)
class Answer:
    """What a team said about one item: the unit that is saved, compared and copied."""

    rag: str = Rag.UNRATED
    evidence: str = ""
    next_step: str = ""

    @property
    def is_rated(self) -> bool:
        return self.rag != Rag.UNRATED


@dataclass(frozen=True)
class PreviousAnswer:
    """What the team submitted for an item last round, and where to read all of it."""

    round_name: str
    rag: str
    evidence: str
    next_step: str
    assessment_id: int


# Assessment.previous_answers: the team's ratings, other than Unrated, of its counted
# assessment in the previous round (a subquery from RoundQuerySet.before).
PREVIOUS_ANSWERS_SQL = """
SELECT item.code, round.name, rating.rag, rating.evidence, rating.next_step, rating.assessment_id
FROM assessments_rating rating
JOIN assessments_assessment assessment ON assessment.id = rating.assessment_id
JOIN assessments_round round ON round.id = assessment.round_id
JOIN checklists_item item ON item.id = rating.item_id
WHERE assessment.team_id = %s
  AND assessment.status IN ({statuses})
  AND rating.rag <> %s
  AND assessment.round_id = ({previous_round})
"""


class AssessmentLockedError(Exception):
    """The assessment cannot be changed: it is submitted, or its round is not open."""


class ConflictError(Exception):
    """Someone else saved since this form was loaded; nothing was written."""

    def __init__(self, saved: dict[int, Answer], version: int) -> None:
        super().__init__("The assessment changed since the form was loaded.")
        self.saved = saved
        self.version = version


class NotReadyToSubmitError(Exception):
    """Items still unrated, and items carried forward from last round and not yet confirmed."""

    def __init__(self, *, unrated: list[Item], unconfirmed: list[Item]) -> None:
        super().__init__(f"{len(unrated)} items unrated, {len(unconfirmed)} unconfirmed.")
        self.unrated = unrated
        self.unconfirmed = unconfirmed


class AssessmentStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")


REOPENED = "reopened"
SHOWN_STATUS_LABELS = {**dict(AssessmentStatus.choices), REOPENED: _("Reopened")}


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def counted(self) -> AssessmentQuerySet:
        """Those whose ratings count in results (Assessment.COUNTED)."""
        return self.filter(status__in=Assessment.COUNTED)

    def with_roles_of(self, user: User) -> AssessmentQuerySet:
        """Annotates is_member (of the team) and is_lead (of the round's partnership)."""
        if not user.is_authenticated:
            return self.none()
        return self.annotate(
            is_member=Exists(TeamMembership.objects.filter(team=OuterRef("team"), user=user)),
            is_lead=Exists(
                PartnershipLead.objects.filter(
                    partnership=OuterRef("round__partnership"), user=user
                )
            ),
        )

    def of_member(self, user: User) -> AssessmentQuerySet:
        """Assessments the person may edit: those of their own teams. A plain join, without
        annotations: the cheap query for the pages a team opens at every step."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(team__memberships__user=user)

    def visible_to(self, user: User) -> AssessmentQuerySet:
        """Their own teams' assessments, and every one in the partnerships they lead."""
        return self.with_roles_of(user).filter(Q(is_member=True) | Q(is_lead=True))

    def readable_by(self, user: User) -> AssessmentQuerySet:
        """What the person may read: visible_to, and every assessment with the permission to
        read every partnership's results (read-only: changing takes membership). The one rule
        for the assessment pages and the team report alike."""
        return self.with_roles_of(user).filter(
            Q(is_member=True) | Q(is_lead=True) | reads_every_partnership(user)
        )

    def led_by(self, user: User) -> AssessmentQuerySet:
        return self.with_roles_of(user).filter(Q(is_lead=True))

    def for_page(self) -> AssessmentQuerySet:
        # Only what every assessment page shows; who submitted or reopened loads when shown.
        return self.select_related("team__organisation", "round__checklist")

    def with_progress(self) -> AssessmentQuerySet:
        return self.annotate(
            rated_count=Count("ratings", filter=~Q(ratings__rag=Rag.UNRATED)),
            item_count=Count("ratings"),
        )


class Assessment(models.Model):
    """One team's self-assessment in one round."""

    Status = AssessmentStatus
    # Which assessments count in results (dashboards, reports, exports' summaries, last round's
    # answers, movement): written once, here, for the queries (counted()) and for loaded rows
    # (is_counted). Later rules (moderation, imports) change only this.
    COUNTED = frozenset({AssessmentStatus.SUBMITTED})

    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("team")
    )
    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("round")
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.NOT_STARTED, verbose_name=_("status")
    )
    # Grows by one on every save, so a stale form can be recognised and not overwrite.
    version = models.PositiveIntegerField(default=0, verbose_name=_("version"))
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    reopened_reason = models.TextField(blank=True, verbose_name=_("reopened reason"))
    reopened_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reopened at"))
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reopened by"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    # Which submission and which reopening the team has been e-mailed about (the times they
    # happened): a task claims its e-mail by setting these, so it goes once however often the
    # task runs (assessments.tasks).
    emailed_submitted_at = models.DateTimeField(null=True, editable=False)
    emailed_reopened_at = models.DateTimeField(null=True, editable=False)

    objects = AssessmentQuerySet.as_manager()
    history = HistoricalRecords(
        verbose_name=_("historical assessment"),
        verbose_name_plural=_("historical assessments"),
        # A reopening's reason is up to 1,000 characters: the library's default is 100.
        history_change_reason_field=models.TextField(null=True),
        excluded_fields=["emailed_submitted_at", "emailed_reopened_at"],
    )

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["round", "team__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "round"], name="assessment_unique_per_team_round"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AssessmentStatus.values),
                name="assessment_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False),
                name="assessment_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team.name}, {self.round.name}"

    @classmethod
    @transaction.atomic
    def start(cls, *, team: Team, round: Round) -> Assessment:
        """The team's assessment for the round, with an unrated rating for every item."""
        assessment, created = cls.objects.get_or_create(team=team, round=round)
        if created:
            Rating.objects.bulk_create(
                Rating(assessment=assessment, item=item) for item in round.checklist.items.all()
            )
        return assessment

    def is_led_by(self, user: User) -> bool:
        """Whether the person leads the round's partnership (is_lead, where annotated)."""
        annotated = getattr(self, "is_lead", None)
        if annotated is not None:
            return bool(annotated)
        return PartnershipLead.objects.filter(
            partnership_id=self.round.partnership_id, user=user
        ).exists()

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def is_reopened(self) -> bool:
        """In progress again because a lead reopened it, and not yet submitted again."""
        return self.status == self.Status.IN_PROGRESS and self.reopened_at is not None

    @property
    def shown_status(self) -> str:
        """The status people see: a stored status, or Reopened (an in-progress assessment that
        a lead sent back). Its label is SHOWN_STATUS_LABELS[shown_status]."""
        return REOPENED if self.is_reopened else self.status

    @property
    def is_counted(self) -> bool:
        """Whether its ratings count in results (Assessment.COUNTED)."""
        return self.status in self.COUNTED

    @property
    def is_changeable(self) -> bool:
        return not self.is_submitted and self.round.is_open

    def previous_answers(self) -> dict[str, PreviousAnswer]:
        """The team's submitted ratings in the partnership's previous round, by item code.

        Every section page and the task list ask for these, and the ORM spends longer building
        this query than the database takes to answer it. So the previous round comes from the
        one rule, RoundQuerySet.before, compiled as a subquery, and the rest is written out:
        the team's ratings in that round, of an assessment that counts (Assessment.COUNTED)."""
        previous_round, round_params = (
            Round.objects.before(self.round).values("pk")[:1].query.sql_with_params()
        )
        counted = sorted(self.COUNTED)
        sql = PREVIOUS_ANSWERS_SQL.format(
            statuses=", ".join(["%s"] * len(counted)), previous_round=previous_round
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.team_id, *counted, Rag.UNRATED, *round_params])
            rows = cursor.fetchall()
        return {
            code: PreviousAnswer(name, rag, evidence, next_step, assessment_id)
            for code, name, rag, evidence, next_step, assessment_id in rows
        }

    def _lock(self) -> Assessment:
        locked = Assessment.objects.select_for_update().select_related("round").get(pk=self.pk)
        if not locked.round.is_open:
            raise AssessmentLockedError(
                gettext("%(round)s closed on %(date)s, so its answers can no longer be changed.")
                % {"round": locked.round.name, "date": date_format(locked.round.closes_on)}
            )
        if locked.is_submitted:
            raise AssessmentLockedError(
                gettext(
                    "This assessment has been submitted. Ask your partnership lead to reopen it "
                    "if it needs to change."
                )
            )
        return locked

    @transaction.atomic
    def save_answers(
        self,
        answers: Mapping[int, Answer],
        *,
        version: int,
        by: User,
        confirm: Collection[int] = (),
        carried_forward: bool = False,
    ) -> bool:
        """Write the answers (by item id) if the form was loaded at the current version.

        Posting exactly what is already saved changes nothing and is never a conflict, so a
        double click or a browser resubmit is harmless. Changing an answer that someone else
        changed after `version` is a conflict; answers nobody touched since save, whatever
        else changed (another section, say). Returns whether anything changed.

        An answer carried forward from last round waits to be confirmed: changing it confirms
        it, and so does naming its item in `confirm` (a second time does nothing). Confirming
        an answer nobody has changed since is never a conflict. `carried_forward` marks the
        answers written as copied, not yet confirmed.
        """
        locked = self._lock()
        ratings = {
            rating.item_id: rating
            for rating in Rating.objects.select_for_update().filter(assessment=locked)
        }
        saved = {item_id: rating.answer for item_id, rating in ratings.items()}
        changed = {
            item_id: answer
            for item_id, answer in answers.items()
            if item_id in saved and saved[item_id] != answer
        }
        confirmed = {
            item_id
            for item_id in confirm
            if item_id in ratings and ratings[item_id].carried_forward and item_id not in changed
        }
        if not changed and not confirmed:
            return False
        if any(ratings[item_id].version > version for item_id in changed):
            raise ConflictError(saved=saved, version=locked.version)
        locked.version += 1
        for item_id in changed.keys() | confirmed:
            rating = ratings[item_id]
            answer = changed.get(item_id, rating.answer)
            rating.rag, rating.evidence, rating.next_step = (
                answer.rag,
                answer.evidence,
                answer.next_step,
            )
            rating.carried_forward = carried_forward and item_id in changed
            if item_id in changed:
                rating.version = locked.version
            rating.updated_by = by
            rating._history_user = by  # type: ignore[attr-defined]  # outside a request too
            rating.save()
        # The status is saved only when it changes: a draft's answers are in no report, so only
        # a change of status makes a round's reports out of date (assessments.changes).
        fields = ["version", "updated_at"]
        if locked.status != self.Status.IN_PROGRESS:
            locked.status = self.Status.IN_PROGRESS
            fields.append("status")
        locked.save(update_fields=fields)
        self.version, self.status = locked.version, locked.status
        return True

    @transaction.atomic
    def submit(self, *, by: User) -> None:
        locked = self._lock()
        ratings = sorted(
            locked.ratings.select_related("item"), key=lambda rating: rating.item.sort_key()
        )
        unrated = [rating.item for rating in ratings if not rating.is_rated]
        unconfirmed = [rating.item for rating in ratings if rating.carried_forward]
        if unrated or unconfirmed:
            raise NotReadyToSubmitError(unrated=unrated, unconfirmed=unconfirmed)
        locked.status = self.Status.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.submitted_by = by
        locked.version += 1
        locked._history_user = by  # type: ignore[attr-defined]
        locked.save()
        transaction.on_commit(partial(_tell_team, "submitted", self.pk, locked.submitted_at))
        self.status, self.submitted_at, self.submitted_by, self.version = (
            locked.status,
            locked.submitted_at,
            by,
            locked.version,
        )

    @transaction.atomic
    def reopen(self, *, by: User, reason: str) -> None:
        locked = Assessment.objects.select_for_update().select_related("round").get(pk=self.pk)
        if not locked.is_submitted:
            raise AssessmentLockedError(gettext("Only a submitted assessment can be reopened."))
        if not locked.round.is_open:
            raise AssessmentLockedError(
                gettext(
                    "%(round)s has closed. An administrator can extend its closing date first if "
                    "the team needs to change its answers."
                )
                % {"round": locked.round.name}
            )
        locked.status = self.Status.IN_PROGRESS
        locked.reopened_reason = reason
        locked.reopened_at = timezone.now()
        locked.reopened_by = by
        locked.version += 1
        locked._change_reason = f"Reopened: {reason}"  # type: ignore[attr-defined]
        locked._history_user = by  # type: ignore[attr-defined]
        locked.save()
        transaction.on_commit(partial(_tell_team, "reopened", self.pk, locked.reopened_at))
        self.refresh_from_db()

    @transaction.atomic
    def copy_previous_answers(self, *, by: User, version: int) -> int:
        """Start from the last round's ratings and evidence; only on an untouched assessment."""
        previous = self.previous_answers()
        items = self.round.checklist.items.all()
        answers = {
            item.pk: Answer(rag=previous[item.code].rag, evidence=previous[item.code].evidence)
            for item in items
            if item.code in previous
        }
        if self.ratings.exclude(rag=Rag.UNRATED).exists() or not answers:
            return 0
        self.save_answers(answers, version=version, by=by, carried_forward=True)
        return len(answers)


def _tell_team(what: str, assessment_id: int, when: datetime.datetime) -> None:
    """Queues the e-mail to the team about a submission or a reopening, once it is saved."""
    from . import tasks  # they import the models

    task = tasks.tell_team_submitted if what == "submitted" else tasks.tell_team_reopened
    task.enqueue(assessment_id, when.isoformat())


class RatingQuerySet(models.QuerySet["Rating"]):
    def counted(self) -> RatingQuerySet:
        """Ratings of assessments that count in results (Assessment.COUNTED)."""
        return self.filter(assessment__status__in=Assessment.COUNTED)


class Rating(models.Model):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("assessment")
    )
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("item")
    )
    rag = models.CharField(_("rating"), max_length=8, choices=Rag.choices, default=Rag.UNRATED)
    evidence = models.TextField(_("what tells you this"), blank=True, max_length=2000)
    next_step = models.TextField(_("what you will do next"), blank=True, max_length=2000)
    # Copied from last round and not yet looked at: the team confirms or changes it before
    # submitting, so last year is never resubmitted unread.
    carried_forward = models.BooleanField(_("carried forward, not yet confirmed"), default=False)
    # The assessment's version when this answer was last changed: a form loaded at an earlier
    # version conflicts only over the items someone changed since, so a colleague's save of
    # another section never blocks or overwrites this one.
    version = models.PositiveIntegerField(default=0, verbose_name=_("version"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    history = HistoricalRecords(
        verbose_name=_("historical rating"),
        verbose_name_plural=_("historical ratings"),
        # A reopening's reason is up to 1,000 characters: the library's default is 100.
        history_change_reason_field=models.TextField(null=True),
    )

    objects = RatingQuerySet.as_manager()

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="rating_unique_per_item"),
            models.CheckConstraint(condition=Q(rag__in=Rag.values), name="rating_rag_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code}: {self.get_rag_display()}"

    @property
    def answer(self) -> Answer:
        # As a form would clean it: a row stored with Windows line breaks (before the form
        # normalised them, or through the admin) equals the same text posted again.
        return Answer(
            rag=self.rag,
            evidence=normalise_line_breaks(self.evidence),
            next_step=normalise_line_breaks(self.next_step),
        )

    @property
    def is_rated(self) -> bool:
        return self.rag != Rag.UNRATED


# When the round's e-mails go out on their day, London time: the start of a working day.
SEND_AT = datetime.time(9, 0)
# A new round's reminders, in days before it closes (those that fall after its opening day).
DEFAULT_REMINDER_DAYS = (14, 3)


def reminder_day(closes_on: datetime.date, days_before: int) -> datetime.date:
    """The day of a reminder some days before a round closes: on a Saturday or a Sunday, the
    Friday before, when people read their work e-mail."""
    day = closes_on - datetime.timedelta(days=days_before)
    return day - datetime.timedelta(days=max(0, day.weekday() - 4))


class ReminderKind(models.TextChoices):
    OPENING = "opening", _("The round is open")
    REMINDER = "reminder", _("Reminder")


class ReminderState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    BEFORE_OPENING = "before_opening", _("Not sent: it falls before the round opens")
    CLOSED = "closed", _("Not sent: the round had closed")


class Reminder(models.Model):
    """An e-mail to each member of every team taking part in a round that has not submitted:
    on the opening day (OPENING), or a reminder some days before the round closes
    (days_before) or on the day a lead sends one now (send_on). Its day follows the round's
    dates when they change. Each person's copy is claimed in ReminderDelivery before it is
    sent, so nobody gets one twice, nor more than one of the round's e-mails in a day."""

    Kind = ReminderKind
    State = ReminderState

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("round")
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    days_before = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("days before closing")
    )
    send_on = models.DateField(null=True, blank=True, verbose_name=_("sent now, on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # Set once every person it was for has been claimed: the safety net leaves it alone.
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["round", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=ReminderKind.OPENING, days_before=None, send_on=None)
                    | Q(kind=ReminderKind.REMINDER, days_before=None, send_on__isnull=False)
                    | Q(kind=ReminderKind.REMINDER, days_before__isnull=False, send_on=None)
                ),
                name="reminder_has_one_day",
            ),
            models.UniqueConstraint(
                fields=["round"],
                condition=Q(kind=ReminderKind.OPENING),
                name="reminder_one_opening_per_round",
            ),
            models.UniqueConstraint(
                fields=["round", "days_before"], name="reminder_days_before_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {self.round.name}, {self.due_on():%Y-%m-%d}"

    def describe(self) -> str:
        """What it is, in a few words, for the lead's list."""
        if self.kind == ReminderKind.OPENING:
            return gettext("The round is open")
        if self.days_before == 0:
            return gettext("Reminder on the closing day")
        if self.days_before is not None:
            return ngettext(
                "Reminder %(days)s day before closing",
                "Reminder %(days)s days before closing",
                self.days_before,
            ) % {"days": self.days_before}
        return gettext("Reminder sent now")

    def due_on(self) -> datetime.date:
        """The day it is sent, on the round's dates as they are now."""
        if self.kind == ReminderKind.OPENING:
            return self.round.opens_on
        if self.days_before is not None:
            return reminder_day(self.round.closes_on, self.days_before)
        assert self.send_on is not None
        return self.send_on

    def run_after(self) -> datetime.datetime:
        """When a worker should send it: SEND_AT on its day, in London; one sent now, now."""
        if self.send_on is not None:
            return self.created_at
        return timezone.make_aware(datetime.datetime.combine(self.due_on(), SEND_AT))

    def state(self, now: datetime.datetime | None = None) -> str:
        now = now or timezone.now()
        if self.finished_at is not None:
            return ReminderState.SENT
        if self.due_on() < self.round.opens_on:
            return ReminderState.BEFORE_OPENING
        if timezone.localdate(now) > self.round.closes_on:
            return ReminderState.CLOSED
        return ReminderState.SCHEDULED if now < self.run_after() else ReminderState.SENDING

    def is_due(self, now: datetime.datetime) -> bool:
        """Whether it should go out now: its time has come, the round is open, and not every
        person it was for has been claimed yet."""
        return self.state(now) == ReminderState.SENDING

    def queue(self) -> None:
        """Once the transaction commits, queues its sending for its day: a worker runs it then
        (at once, if the day has come). The task re-checks the day, so queueing again after the
        dates change is safe: the earlier task finds it is not due and does nothing."""
        from . import tasks  # they import the models

        when = self.run_after()
        transaction.on_commit(partial(tasks.send_reminder.using(run_after=when).enqueue, self.pk))

    @transaction.atomic
    def claim(self, user_ids: Collection[int], *, today: datetime.date) -> set[int]:
        """Claims this e-mail for each of these people, and returns those it is now this
        caller's to send: not those that have (or are being sent) this one already, nor those
        that another of the round's e-mails reached today. Two workers claiming the same people
        at once each get a share, never the same person (the unique rows, then a conditional
        update tagged with this claim's own id)."""
        ReminderDelivery.objects.bulk_create(
            [
                ReminderDelivery(reminder=self, round_id=self.round_id, user_id=user_id, day=today)
                for user_id in user_ids
            ],
            ignore_conflicts=True,
        )
        claim = uuid.uuid4()
        ReminderDelivery.objects.filter(reminder=self, user_id__in=user_ids, claim=None).update(
            claim=claim, sent_at=timezone.now()
        )
        return set(
            ReminderDelivery.objects.filter(reminder=self, claim=claim).values_list(
                "user_id", flat=True
            )
        )

    def unclaim(self, user_ids: Collection[int]) -> None:
        """Gives back claims whose e-mails were not sent after all, for a later run to send:
        their rows go, so that the run that sends them counts them on its own day."""
        if user_ids:
            ReminderDelivery.objects.filter(reminder=self, user_id__in=user_ids).delete()

    def finish(self) -> None:
        Reminder.objects.filter(pk=self.pk, finished_at=None).update(finished_at=timezone.now())


class ReminderDelivery(models.Model):
    """One person's copy of one of a round's e-mails. The row is made, then claimed, before the
    e-mail is sent: at most one for a person and a reminder, and one a day for a person and a
    round, whichever of the round's e-mails comes first."""

    reminder = models.ForeignKey(
        Reminder, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("reminder")
    )
    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="+", verbose_name=_("round")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("person"),
    )
    day = models.DateField(verbose_name=_("day"))  # in London
    claim = models.UUIDField(null=True, verbose_name=_("claimed by"))
    sent_at = models.DateTimeField(null=True, verbose_name=_("sent at"))

    class Meta:
        verbose_name = _("reminder sent to a person")
        verbose_name_plural = _("reminders sent to people")
        constraints = [
            models.UniqueConstraint(fields=["reminder", "user"], name="delivery_once_a_reminder"),
            models.UniqueConstraint(fields=["round", "user", "day"], name="delivery_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.reminder} to user {self.user_id}"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class ActionQuerySet(models.QuerySet["Action"]):
    def led_by(self, user: User) -> ActionQuerySet:
        """Actions of the partnerships the person leads: the only ones they may see or change."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(partnership__in=led_partnerships(user).values("partnership"))

    def for_round(self, round: Round) -> ActionQuerySet:
        """The partnership's actions on this round's checklist (any version: matched by item
        code), made in this round or an earlier one of it, that were still open when it opened:
        open actions carry into the next round; those done or dropped before it stay behind."""
        earlier_or_this = Round.objects.filter(
            partnership_id=round.partnership_id,
            checklist__name=round.checklist.name,
            opens_on__lte=round.opens_on,
        )
        return self.filter(partnership_id=round.partnership_id, round__in=earlier_or_this).filter(
            Q(round=round) | Q(status__in=Action.OPEN) | Q(closed_at__date__gte=round.opens_on)
        )


class Action(models.Model):
    """Something the partnership will do about one checklist item: what, who owns it, which
    organisations or team types it concerns, by when, and how the next round will show that it
    worked. Its status changes with a dated note each time (ActionUpdate); every change is
    kept (history). Items are named by code, so an action survives a new checklist version."""

    Status = ActionStatus
    OPEN = frozenset({ActionStatus.PLANNED, ActionStatus.IN_PROGRESS})

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="actions", verbose_name=_("partnership")
    )
    round = models.ForeignKey(
        Round,
        on_delete=models.PROTECT,
        related_name="actions",
        verbose_name=_("round it was made in"),
    )
    item_code = models.CharField(max_length=20, verbose_name=_("item code"))
    what = models.TextField(max_length=2000, verbose_name=_("what will be done"))
    owner_name = models.CharField(max_length=200, verbose_name=_("owner"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner's account"),
    )
    organisations = models.ManyToManyField(
        "partnerships.Organisation", blank=True, related_name="+", verbose_name=_("organisations")
    )
    team_types = models.JSONField(default=list, blank=True, verbose_name=_("team types"))
    due_on = models.DateField(null=True, blank=True, verbose_name=_("due on"))
    measure = models.TextField(
        max_length=1000, blank=True, verbose_name=_("how the next round will show it worked")
    )
    status = models.CharField(
        max_length=16,
        choices=ActionStatus.choices,
        default=ActionStatus.PLANNED,
        verbose_name=_("status"),
    )
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("done or dropped at"))
    # Grows by one on every change, so that a stale form is recognised and never overwrites.
    version = models.PositiveIntegerField(default=0, verbose_name=_("version"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = ActionQuerySet.as_manager()
    history = HistoricalRecords(
        verbose_name=_("historical action"), verbose_name_plural=_("historical actions")
    )

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["item_code", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values), name="action_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["done", "dropped"], closed_at__isnull=False)
                | Q(status__in=["planned", "in_progress"], closed_at=None),
                name="action_closed_when_done_or_dropped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_code}: {self.what[:60]}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def latest_update(self) -> ActionUpdate | None:
        """The latest status update, from `updates` as loaded (prefetch it for many actions)."""
        updates = list(self.updates.all())
        return updates[-1] if updates else None

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return (
            self.is_open
            and self.due_on is not None
            and self.due_on < (today or timezone.localdate())
        )

    @transaction.atomic
    def change_status(self, *, status: str, note: str, by: User, version: int) -> bool:
        """Moves the action to `status` with a dated note, if the form was loaded at the current
        version; returns whether anything changed. The same status and note posted again (a
        double click) change nothing; a change made since `version` is a ConflictError."""
        locked = Action.objects.select_for_update().get(pk=self.pk)
        if locked.status == status and not note:
            return False
        last = locked.updates.order_by("-pk").first()
        if last is not None and (last.status, last.note) == (status, note):
            return False
        if locked.version != version:
            raise ActionConflictError(locked)
        now = timezone.now()
        locked.closed_at = None if status in self.OPEN else (locked.closed_at or now)
        locked.status = status
        locked.version += 1
        locked._history_user = by  # type: ignore[attr-defined]
        locked.save()
        ActionUpdate.objects.create(action=locked, status=status, note=note, made_by=by)
        self.status, self.closed_at, self.version = locked.status, locked.closed_at, locked.version
        return True


class ActionConflictError(Exception):
    """Someone changed the action since the form was loaded; nothing was written."""

    def __init__(self, saved: Action) -> None:
        super().__init__("The action changed since the form was loaded.")
        self.saved = saved


class ActionUpdate(models.Model):
    """A status given to an action, with the note that says why, and when and by whom."""

    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="updates", verbose_name=_("action")
    )
    status = models.CharField(max_length=16, choices=ActionStatus.choices, verbose_name=_("status"))
    note = models.TextField(max_length=2000, blank=True, verbose_name=_("note"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("made by"),
    )
    made_at = models.DateTimeField(auto_now_add=True, verbose_name=_("made at"))

    class Meta:
        verbose_name = _("action update")
        verbose_name_plural = _("action updates")
        ordering = ["action", "made_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action_id}: {self.get_status_display()} {self.made_at:%Y-%m-%d}"


class BoardPaper(models.Model):
    """What the lead adds to a round's board paper: the asks of the board, and whether the
    paper is final. Final only once the round has closed; the asks are fixed while it is."""

    round = models.OneToOneField(
        Round, on_delete=models.CASCADE, related_name="board_paper", verbose_name=_("round")
    )
    asks = models.TextField(max_length=3000, blank=True, verbose_name=_("asks of the board"))
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("prepared by"),
    )
    final_at = models.DateTimeField(null=True, blank=True, verbose_name=_("made final at"))
    # Grows by one on every change, so that a stale form is recognised and never overwrites.
    version = models.PositiveIntegerField(default=0, verbose_name=_("version"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    history = HistoricalRecords(
        verbose_name=_("historical board paper"), verbose_name_plural=_("historical board papers")
    )

    class Meta:
        verbose_name = _("board paper")
        verbose_name_plural = _("board papers")

    def __str__(self) -> str:
        return str(self.round)

    @property
    def is_final(self) -> bool:
        return self.final_at is not None

    @classmethod
    def of(cls, round_: Round) -> BoardPaper:
        """The round's paper as saved, or a new draft with no asks (not saved)."""
        return cls.objects.filter(round=round_).first() or cls(round=round_)

    @transaction.atomic
    def change(
        self, *, by: User, version: int, asks: str | None = None, final: bool | None = None
    ) -> None:
        """Saves new asks and/or makes the paper final or a draft again, if the form was loaded
        at the current version; otherwise BoardPaperConflictError, and nothing is written."""
        paper, _created = BoardPaper.objects.select_for_update().get_or_create(round=self.round)
        if paper.version != version:
            raise BoardPaperConflictError(paper)
        if asks is not None:
            paper.asks = asks
        if final is not None:
            paper.final_at = timezone.now() if final else None
        paper.prepared_by = by
        paper.version += 1
        paper._history_user = by  # type: ignore[attr-defined]
        paper.save()
        self.pk, self.asks, self.final_at = paper.pk, paper.asks, paper.final_at
        self.prepared_by, self.version = by, paper.version


class BoardPaperConflictError(Exception):
    """Someone changed the board paper since the form was loaded; nothing was written."""

    def __init__(self, saved: BoardPaper) -> None:
        super().__init__("The board paper changed since the form was loaded.")
        self.saved = saved
