"""The domain: partnerships, their organisations and teams, checklists, rounds and ratings."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .text import normalise_line_breaks

if TYPE_CHECKING:
    from accounts.models import User


class Sector(models.TextChoices):
    NHS_HEALTH = "nhs_health", "NHS health"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    EARLY_EDUCATION = "early_education", "Early education and childcare"
    VOLUNTARY = "voluntary", "Voluntary and community"
    EDUCATION = "education", "Education"
    OTHER = "other", "Other"


class TeamType(models.TextChoices):
    HEALTH_VISITING = "health_visiting", "Health visiting"
    MIDWIFERY = "midwifery", "Maternity and midwifery"
    FAMILY_NURSE_PARTNERSHIP = "fnp", "Family Nurse Partnership"
    PERINATAL_MENTAL_HEALTH = "perinatal_mh", "Specialist perinatal mental health"
    PARENT_INFANT = "parent_infant", "Parent-infant relationship team"
    CAMHS = "camhs", "CAMHS"
    ADULT_MENTAL_HEALTH = "adult_mh", "Adult mental health"
    FAMILY_HUB = "family_hub", "Family hub or children's centre"
    EARLY_HELP = "early_help", "Early help"
    SOCIAL_CARE = "social_care", "Children's social care"
    EARLY_YEARS_SETTING = "early_years_setting", "Early years setting"
    CHILDMINDER_NETWORK = "childminders", "Childminder network"
    SEND = "send", "SEND and inclusion"
    SPEECH_LANGUAGE = "salt", "Speech and language therapy"
    LIBRARY = "library", "Library or Bookstart"
    VOLUNTARY_FAMILY_SUPPORT = "family_support", "Voluntary family support"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse service"
    HOUSING = "housing", "Housing"
    OTHER = "other", "Other"


class Rag(models.TextChoices):
    """A rating. Unrated is a state of its own, not a colour."""

    UNRATED = "unrated", "Not rated"
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"

    @classmethod
    def colours(cls) -> list[Rag]:
        return [cls.RED, cls.AMBER, cls.GREEN]


class PartnershipQuerySet(models.QuerySet["Partnership"]):
    def led_by(self, user: User) -> PartnershipQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(pk__in=PartnershipLead.objects.filter(user=user).values("partnership"))


class Partnership(models.Model):
    """A local multi-agency partnership: the boundary no one sees across."""

    name = models.CharField(max_length=200, unique=True)
    area = models.CharField(
        max_length=200, blank=True, help_text="The place it covers, e.g. a local authority area."
    )

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [
            # For national or regional staff who read every partnership's results. Being an
            # administrator (is_staff) opens the admin site only; it grants no results.
            ("view_every_partnership", "Can see every partnership's results and reports"),
        ]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="organisations"
    )
    name = models.CharField(max_length=200)
    sector = models.CharField(max_length=32, choices=Sector.choices)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "name"], name="organisation_name_unique_in_partnership"
            ),
            models.CheckConstraint(
                condition=Q(sector__in=Sector.values), name="organisation_sector_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TeamQuerySet(models.QuerySet["Team"]):
    def visible_to(self, user: User) -> TeamQuerySet:
        """Teams the person belongs to, or leads through their partnership."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(pk__in=TeamMembership.objects.filter(user=user).values("team"))
            | Q(organisation__partnership__in=_led_partnerships(user))
        )

    def of_member(self, user: User) -> TeamQuerySet:
        return self.filter(memberships__user=user)

    def for_home(self) -> TeamQuerySet:
        return self.select_related("organisation__partnership").order_by(
            "organisation__partnership__name", "name"
        )


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    team_type = models.CharField(max_length=32, choices=TeamType.choices)
    headcount = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many people work in the team. Leave blank if not known.",
    )
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Inactive teams are not asked to take part in new rounds.",
    )

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="team_name_unique_in_organisation"
            ),
            models.CheckConstraint(
                condition=Q(headcount__isnull=True) | Q(headcount__gt=0),
                name="team_headcount_positive",
            ),
            models.CheckConstraint(
                condition=Q(team_type__in=TeamType.values), name="team_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    @property
    def partnership(self) -> Partnership:
        return self.organisation.partnership


class TeamMembership(models.Model):
    """A practitioner or team lead who rates this team."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    is_team_lead = models.BooleanField("team lead", default=False)

    class Meta:
        ordering = ["team__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team.name}"


class PartnershipLead(models.Model):
    """Someone who sees every team's ratings in a partnership and reports on them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partnership_roles"
    )
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="leads")

    class Meta:
        ordering = ["partnership__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "partnership"], name="lead_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} leads {self.partnership}"


SEE_EVERY_PARTNERSHIP = "assessments.view_every_partnership"


def sees_every_partnership(user: User) -> bool:
    """An explicit permission (superusers have every permission); never is_staff alone."""
    return user.is_authenticated and user.has_perm(SEE_EVERY_PARTNERSHIP)


def _led_partnerships(user: User) -> models.QuerySet[PartnershipLead, Any]:
    """A subquery of the partnership ids the person leads (no joins, so no duplicate rows)."""
    return PartnershipLead.objects.filter(user=user).values("partnership")


class ChecklistLockedError(ValidationError):
    """Raised on any attempt to change a published or retired checklist's content."""


# Items of published checklists, by (checklist id, publication time); see Checklist.items_by_id.
_LOCKED_ITEMS: dict[tuple[int, datetime.datetime], dict[int, Item]] = {}


class Checklist(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    introduction = models.TextField(
        blank=True, help_text="Shown above the items, e.g. the sentence each item completes."
    )
    source = models.TextField(
        blank=True, help_text="Where the checklist comes from, shown on every report."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Fields that may still change once published: moving to retired is allowed.
    LIFECYCLE_FIELDS = frozenset({"status", "published_at"})

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="checklist_version_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published", "retired"]),
                name="checklist_status_valid",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="checklist_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.version}, {self.get_status_display().lower()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Guard, not behaviour: the stored row decides, so a stale in-memory copy cannot slip by.
        if self.pk is not None:
            stored = Checklist.objects.filter(pk=self.pk).first()
            if stored is not None and stored.is_locked:
                changed = {
                    field.attname
                    for field in self._meta.concrete_fields
                    if getattr(stored, field.attname) != getattr(self, field.attname)
                }
                if changed - self.LIFECYCLE_FIELDS or self.status == self.Status.DRAFT:
                    stored.ensure_editable()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        self.ensure_editable()
        return super().delete(*args, **kwargs)

    @property
    def is_locked(self) -> bool:
        return self.status != self.Status.DRAFT

    def ensure_editable(self) -> None:
        if self.is_locked:
            raise ChecklistLockedError(
                f"{self.name} version {self.version} is {self.get_status_display().lower()}, "
                "so it cannot be changed: ratings keep the wording that was rated. "
                "Create a new draft version to make changes.",
                code="checklist_locked",
            )

    def items_by_id(self) -> dict[int, Item]:
        """The items, with their sections, in order. A published checklist never changes, so
        each process loads it once; a draft is read afresh every time."""
        if not self.is_locked or self.published_at is None:
            return self._load_items()
        key = (self.pk, self.published_at)
        if key not in _LOCKED_ITEMS:
            _LOCKED_ITEMS[key] = self._load_items()
        return _LOCKED_ITEMS[key]

    def _load_items(self) -> dict[int, Item]:
        items = self.items.select_related("section").order_by("order", "code")
        return {item.pk: item for item in items}

    def publication_problems(self) -> list[str]:
        """Why this checklist cannot be published yet, in words an admin can act on."""
        items = list(self.items.all())
        if not items:
            return ["It has no items. Add at least one item before publishing."]
        problems = []
        codes: dict[str, list[str]] = {}
        for item in items:
            codes.setdefault(item.code.strip().upper(), []).append(item.code)
        for code, spellings in sorted(codes.items()):
            if len(spellings) > 1:
                problems.append(f"The code {code} is used by {len(spellings)} items.")
        for item in items:
            missing = [
                label
                for label, text in (
                    ("statement", item.statement),
                    ("Red", item.red_descriptor),
                    ("Amber", item.amber_descriptor),
                    ("Green", item.green_descriptor),
                )
                if not text.strip()
            ]
            if missing:
                problems.append(f"Item {item.code} has no {', '.join(missing)} description.")
        return problems

    def publish(self) -> None:
        if self.status != self.Status.DRAFT:
            raise ValidationError(f"{self} is not a draft, so it cannot be published.")
        problems = self.publication_problems()
        if problems:
            raise ValidationError(problems, code="not_publishable")
        self.status = self.Status.PUBLISHED
        self.published_at = timezone.now()
        self.save(update_fields=["status", "published_at"])

    def retire(self) -> None:
        if self.status != self.Status.PUBLISHED:
            raise ValidationError(f"{self} is not published, so it cannot be retired.")
        self.status = self.Status.RETIRED
        self.save(update_fields=["status"])

    @transaction.atomic
    def new_draft_version(self) -> Checklist:
        """A draft copy of this checklist, sections and items included, as the next version."""
        latest = Checklist.objects.filter(name=self.name).aggregate(v=Max("version"))["v"]
        draft = Checklist.objects.create(
            name=self.name,
            version=(latest or 0) + 1,
            introduction=self.introduction,
            source=self.source,
        )
        section_copies: dict[int, Section] = {}
        for section in self.sections.all():
            section_copies[section.pk] = Section.objects.create(
                checklist=draft, title=section.title, order=section.order
            )
        Item.objects.bulk_create(
            Item(
                checklist=draft,
                section=section_copies.get(item.section_id) if item.section_id else None,
                code=item.code,
                statement=item.statement,
                guidance=item.guidance,
                red_descriptor=item.red_descriptor,
                amber_descriptor=item.amber_descriptor,
                green_descriptor=item.green_descriptor,
                order=item.order,
            )
            for item in self.items.all()
        )
        return draft


class ChecklistContent(models.Model):
    """Sections and items: they change only while their checklist is a draft."""

    checklist: models.ForeignKey[Checklist, Checklist]
    checklist_id: int

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._ensure_checklists_editable()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        self._ensure_checklists_editable()
        return super().delete(*args, **kwargs)

    def _ensure_checklists_editable(self) -> None:
        # Moving an item out of a published checklist is as much an edit as changing its words.
        checklist_ids = {self.checklist_id}
        stored = type(self)._default_manager.filter(pk=self.pk).first() if self.pk else None
        if stored is not None:
            checklist_ids.add(stored.checklist_id)
        for checklist in Checklist.objects.filter(pk__in=checklist_ids):
            checklist.ensure_editable()


class Section(ChecklistContent):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["checklist", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class Item(ChecklistContent):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(
        Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    code = models.CharField(
        max_length=20,
        help_text="A short, stable code such as W01. Items in new versions keep their code, "
        "so ratings can be compared across rounds.",
    )
    statement = models.TextField(
        help_text="Completes the checklist's sentence, e.g. 'Our workforce…'."
    )
    guidance = models.TextField(blank=True, help_text="Help for the people rating this item.")
    red_descriptor = models.TextField("what Red looks like", blank=True)
    amber_descriptor = models.TextField("what Amber looks like", blank=True)
    green_descriptor = models.TextField("what Green looks like", blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["checklist", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "code"], name="item_code_unique_in_checklist"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.statement}"

    def clean(self) -> None:
        super().clean()
        self.code = self.code.strip().upper()
        if (
            self.section_id
            and self.section is not None
            and self.section.checklist_id != self.checklist_id
        ):
            raise ValidationError({"section": "Choose a section of the same checklist."})


class RoundQuerySet(models.QuerySet["Round"]):
    def open_on(self, day: datetime.date) -> RoundQuerySet:
        return self.filter(opens_on__lte=day, closes_on__gte=day)

    def visible_to(self, user: User) -> RoundQuerySet:
        if not user.is_authenticated:
            return self.none()
        member_of = TeamMembership.objects.filter(user=user)
        return self.filter(
            Q(partnership__in=member_of.values("team__organisation__partnership"))
            | Q(partnership__in=_led_partnerships(user))
        )

    def reported_to(self, user: User) -> RoundQuerySet:
        """Rounds whose results the person may read: those of partnerships they lead, or every
        round with the explicit permission."""
        if sees_every_partnership(user):
            return self.all()
        if not user.is_authenticated:
            return self.none()
        return self.filter(partnership__in=_led_partnerships(user))


class Round(models.Model):
    """One assessment cycle of a partnership against one published checklist."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="rounds")
    checklist = models.ForeignKey(
        Checklist,
        on_delete=models.PROTECT,
        related_name="rounds",
        limit_choices_to=~Q(status=Checklist.Status.DRAFT),
    )
    name = models.CharField(max_length=200)
    opens_on = models.DateField()
    closes_on = models.DateField(help_text="The last day teams can save or submit.")

    objects = RoundQuerySet.as_manager()

    class Meta:
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
            raise ValidationError({"closes_on": "The closing date must be after the opening date."})
        if self.checklist_id and self.checklist.status == Checklist.Status.DRAFT:
            raise ValidationError({"checklist": "Publish the checklist before starting a round."})

    @property
    def is_open(self) -> bool:
        return self.opens_on <= timezone.localdate() <= self.closes_on

    def previous(self) -> Round | None:
        """The partnership's round before this one, to compare against."""
        return (
            Round.objects.filter(partnership_id=self.partnership_id, opens_on__lt=self.opens_on)
            .order_by("-opens_on")
            .first()
        )


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
    round_name: str
    rag: str
    evidence: str


class AssessmentLockedError(Exception):
    """The assessment cannot be changed: it is submitted, or its round is not open."""


class ConflictError(Exception):
    """Someone else saved since this form was loaded; nothing was written."""

    def __init__(self, saved: dict[int, Answer], version: int) -> None:
        super().__init__("The assessment changed since the form was loaded.")
        self.saved = saved
        self.version = version


class UnratedItemsError(Exception):
    def __init__(self, items: list[Item]) -> None:
        super().__init__(f"{len(items)} items are not rated.")
        self.items = items


class AssessmentQuerySet(models.QuerySet["Assessment"]):
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

    def changeable_by(self, user: User) -> AssessmentQuerySet:
        """Assessments the person may edit: those of their own teams."""
        return self.with_roles_of(user).filter(Q(is_member=True))

    def visible_to(self, user: User) -> AssessmentQuerySet:
        """Their own teams' assessments, and every one in the partnerships they lead."""
        return self.with_roles_of(user).filter(Q(is_member=True) | Q(is_lead=True))

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

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="assessments")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NOT_STARTED)
    # Grows by one on every save, so a stale form can be recognised and not overwrite.
    version = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reopened_reason = models.TextField(blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssessmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "team__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "round"], name="assessment_unique_per_team_round"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["not_started", "in_progress", "submitted"]),
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

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def is_changeable(self) -> bool:
        return not self.is_submitted and self.round.is_open

    def previous_answers(self) -> dict[str, PreviousAnswer]:
        """The team's submitted ratings in the partnership's previous round, by item code."""
        previous_round = (
            Round.objects.filter(
                partnership_id=self.round.partnership_id, opens_on__lt=self.round.opens_on
            )
            .order_by("-opens_on")
            .values("pk")[:1]
        )
        rows = (
            Rating.objects.filter(
                assessment__team_id=self.team_id,
                assessment__round=Subquery(previous_round),
                assessment__status=self.Status.SUBMITTED,
            )
            .exclude(rag=Rag.UNRATED)
            .order_by()
            .values_list("item__code", "assessment__round__name", "rag", "evidence")
        )
        return {code: PreviousAnswer(name, rag, evidence) for code, name, rag, evidence in rows}

    def _lock(self) -> Assessment:
        locked = Assessment.objects.select_for_update().select_related("round").get(pk=self.pk)
        if not locked.round.is_open:
            raise AssessmentLockedError(
                f"{locked.round.name} closed on {locked.round.closes_on:%-d %B %Y}, "
                "so its answers can no longer be changed."
            )
        if locked.is_submitted:
            raise AssessmentLockedError(
                "This assessment has been submitted. Ask your partnership lead to reopen it "
                "if it needs to change."
            )
        return locked

    @transaction.atomic
    def save_answers(self, answers: Mapping[int, Answer], *, version: int, by: User) -> bool:
        """Write the answers (by item id) if the form was loaded at the current version.

        Posting exactly what is already saved changes nothing and is never a conflict, so a
        double click or a browser resubmit is harmless. Returns whether anything changed.
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
        if not changed:
            return False
        if version != locked.version:
            raise ConflictError(saved=saved, version=locked.version)
        for item_id, answer in changed.items():
            rating = ratings[item_id]
            rating.rag, rating.evidence, rating.next_step = (
                answer.rag,
                answer.evidence,
                answer.next_step,
            )
            rating.updated_by = by
            rating._history_user = by  # type: ignore[attr-defined]  # outside a request too
            rating.save()
        locked.version += 1
        locked.status = self.Status.IN_PROGRESS
        locked.save(update_fields=["version", "status", "updated_at"])
        self.version, self.status = locked.version, locked.status
        return True

    @transaction.atomic
    def submit(self, *, by: User) -> None:
        locked = self._lock()
        unrated = [
            rating.item
            for rating in locked.ratings.select_related("item").order_by(
                "item__order", "item__code"
            )
            if not rating.is_rated
        ]
        if unrated:
            raise UnratedItemsError(unrated)
        locked.status = self.Status.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.submitted_by = by
        locked.version += 1
        locked._history_user = by  # type: ignore[attr-defined]
        locked.save()
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
            raise AssessmentLockedError("Only a submitted assessment can be reopened.")
        if not locked.round.is_open:
            raise AssessmentLockedError(
                f"{locked.round.name} has closed. An administrator can extend its closing "
                "date first if the team needs to change its answers."
            )
        locked.status = self.Status.IN_PROGRESS
        locked.reopened_reason = reason
        locked.reopened_at = timezone.now()
        locked.reopened_by = by
        locked.version += 1
        locked._change_reason = f"Reopened: {reason}"  # type: ignore[attr-defined]
        locked._history_user = by  # type: ignore[attr-defined]
        locked.save()
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
        self.save_answers(answers, version=version, by=by)
        return len(answers)


class Rating(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="ratings")
    rag = models.CharField("rating", max_length=8, choices=Rag.choices, default=Rag.UNRATED)
    evidence = models.TextField("what tells you this", blank=True, max_length=2000)
    next_step = models.TextField("what you will do next", blank=True, max_length=2000)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment_id", "item__order", "item__code"]
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
