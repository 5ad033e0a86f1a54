"""The tenant: partnerships, their organisations and teams, and who belongs to or leads them.

Who may see what is written here once, as querysets; every view reaches its objects through them.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import models
from django.db.models import Exists, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import User


class Sector(models.TextChoices):
    NHS_HEALTH = "nhs_health", _("NHS health")
    LOCAL_AUTHORITY = "local_authority", _("Local authority")
    EARLY_EDUCATION = "early_education", _("Early education and childcare")
    VOLUNTARY = "voluntary", _("Voluntary and community")
    EDUCATION = "education", _("Education")
    OTHER = "other", _("Other")


class TeamType(models.TextChoices):
    HEALTH_VISITING = "health_visiting", _("Health visiting")
    MIDWIFERY = "midwifery", _("Maternity and midwifery")
    FAMILY_NURSE_PARTNERSHIP = "fnp", _("Family Nurse Partnership")
    PERINATAL_MENTAL_HEALTH = "perinatal_mh", _("Specialist perinatal mental health")
    PARENT_INFANT = "parent_infant", _("Parent-infant relationship team")
    CAMHS = "camhs", _("CAMHS")
    ADULT_MENTAL_HEALTH = "adult_mh", _("Adult mental health")
    FAMILY_HUB = "family_hub", _("Family hub or children's centre")
    EARLY_HELP = "early_help", _("Early help")
    SOCIAL_CARE = "social_care", _("Children's social care")
    EARLY_YEARS_SETTING = "early_years_setting", _("Early years setting")
    CHILDMINDER_NETWORK = "childminders", _("Childminder network")
    SEND = "send", _("SEND and inclusion")
    SPEECH_LANGUAGE = "salt", _("Speech and language therapy")
    LIBRARY = "library", _("Library or Bookstart")
    VOLUNTARY_FAMILY_SUPPORT = "family_support", _("Voluntary family support")
    DOMESTIC_ABUSE = "domestic_abuse", _("Domestic abuse service")
    HOUSING = "housing", _("Housing")
    OTHER = "other", _("Other")


class PartnershipQuerySet(models.QuerySet["Partnership"]):
    def led_by(self, user: User) -> PartnershipQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(pk__in=PartnershipLead.objects.filter(user=user).values("partnership"))

    def of_person(self, user: User) -> PartnershipQuerySet:
        """The partnerships the person belongs to: through a team, or as a lead."""
        if not user.is_authenticated:
            return self.none()
        teams = TeamMembership.objects.filter(user=user).values("team__organisation__partnership")
        return self.filter(Q(pk__in=teams) | Q(pk__in=self.led_by(user).values("pk")))


class Partnership(models.Model):
    """A local multi-agency partnership: the boundary no one sees across."""

    name = models.CharField(max_length=200, unique=True, verbose_name=_("name"))
    area = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("The place it covers, e.g. a local authority area."),
        verbose_name=_("area"),
    )

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        ordering = ["name"]
        permissions = [
            # For national or regional staff who read every partnership's results. Being an
            # administrator (is_staff) opens the admin site only; it grants no results.
            ("view_every_partnership", _("Can see every partnership's results and reports")),
        ]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("partnership"),
    )
    name = models.CharField(max_length=200, verbose_name=_("name"))
    sector = models.CharField(max_length=32, choices=Sector.choices, verbose_name=_("sector"))

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
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
            | Q(organisation__partnership__in=led_partnerships(user))
        )

    def of_member(self, user: User) -> TeamQuerySet:
        return self.filter(memberships__user=user)

    def for_home(self) -> TeamQuerySet:
        return self.select_related("organisation__partnership").order_by(
            "organisation__partnership__name", "name"
        )


class Team(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="teams", verbose_name=_("organisation")
    )
    name = models.CharField(max_length=200, verbose_name=_("name"))
    team_type = models.CharField(
        max_length=32, choices=TeamType.choices, verbose_name=_("team type")
    )
    headcount = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("How many people work in the team. Leave blank if not known."),
        verbose_name=_("headcount"),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive teams are not asked to take part in new rounds."),
    )

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
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
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team")
    )
    is_team_lead = models.BooleanField(_("team lead"), default=False)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        ordering = ["team__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return gettext("%(person)s in %(team)s") % {"person": self.user, "team": self.team.name}


class PartnershipLead(models.Model):
    """Someone who sees every team's ratings in a partnership and reports on them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="partnership_roles",
        verbose_name=_("user"),
    )
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="leads", verbose_name=_("partnership")
    )

    class Meta:
        verbose_name = _("partnership lead")
        verbose_name_plural = _("partnership leads")
        ordering = ["partnership__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "partnership"], name="lead_unique"),
        ]

    def __str__(self) -> str:
        return gettext("%(person)s leads %(partnership)s") % {
            "person": self.user,
            "partnership": self.partnership,
        }


SEE_EVERY_PARTNERSHIP = "partnerships.view_every_partnership"


def reads_every_partnership(user: User) -> Q:
    """Whether the person holds the permission to read every partnership's results, as a
    condition for a query, so that a queryset holds the whole rule of who may read what at no
    extra query: the permission held directly or through a group, or a superuser (who holds
    every permission). Never is_staff alone."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q(pk__isnull=False)  # always true (an empty Q() would vanish from an OR)
    app_label, codename = SEE_EVERY_PARTNERSHIP.split(".")
    held = Permission.objects.filter(
        Q(user=user) | Q(group__user=user),
        codename=codename,
        content_type__app_label=app_label,
    )
    return Q(Exists(held))


def led_partnerships(user: User) -> models.QuerySet[PartnershipLead, Any]:
    """A subquery of the partnership ids the person leads (no joins, so no duplicate rows)."""
    return PartnershipLead.objects.filter(user=user).values("partnership")


class Role(models.TextChoices):
    """What someone is asked to be in a partnership, by an invitation or a spreadsheet's row."""

    MEMBER = "member", _("Member")
    TEAM_LEAD = "team_lead", _("Team lead")
    PARTNERSHIP_LEAD = "partnership_lead", _("Partnership lead")


def invitation_lifetime() -> datetime.timedelta:
    return datetime.timedelta(days=settings.INVITATION_DAYS)


def token_hash(token: str) -> str:
    """What is stored of an invitation's token: its SHA-256. The token itself is 256 random bits,
    so a plain hash is as strong as a slow one, and lets the link be looked up by it."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationState(models.TextChoices):
    QUEUED = "queued", _("Being sent")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def led_by(self, user: User) -> InvitationQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(partnership__in=led_partnerships(user))

    def open(self) -> InvitationQuerySet:
        """Neither accepted nor withdrawn (it may have expired: it can be sent again)."""
        return self.filter(accepted_at__isnull=True, withdrawn_at__isnull=True)

    def not_expired(self, now: datetime.datetime) -> InvitationQuerySet:
        """Sent and still within its days, or not sent yet."""
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))

    def usable(self, now: datetime.datetime) -> InvitationQuerySet:
        """Its link works now: sent, neither accepted nor withdrawn, not expired."""
        return self.open().filter(expires_at__gt=now)


class Invitation(models.Model):
    """An e-mailed link for someone without an account to set a password and join a team (or
    lead the partnership). Only the token's hash is kept; the token is made when the e-mail is
    sent, inside the background task, so it is never stored anywhere, task arguments included.
    Each sending makes a new token and replaces the last: only the newest e-mail's link works."""

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("partnership"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("team"),
    )
    email = models.EmailField(_("email address"))
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sends = models.PositiveIntegerField(
        _("times sent"), default=0, help_text=_("Each sending replaces the last link.")
    )
    token_hash = models.CharField(_("token hash"), max_length=64, null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["token_hash"], name="invitation_token_unique"),
            # One open invitation per person and team (or per person, to lead): sending the
            # same spreadsheet again invites nobody twice.
            models.UniqueConstraint(
                fields=["partnership", "email", "team"],
                condition=Q(accepted_at__isnull=True, withdrawn_at__isnull=True),
                name="invitation_open_unique_per_team",
            ),
            models.UniqueConstraint(
                fields=["partnership", "email"],
                condition=Q(accepted_at__isnull=True, withdrawn_at__isnull=True, team__isnull=True),
                name="invitation_open_unique_without_team",
            ),
            models.CheckConstraint(
                condition=Q(team__isnull=False) | Q(role="partnership_lead"),
                name="invitation_team_unless_lead",
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="invitation_role_valid"),
        ]

    def __str__(self) -> str:
        return gettext("Invitation to %(email)s") % {"email": self.email}

    def state(self, now: datetime.datetime | None = None) -> str:
        now = now or timezone.now()
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        if self.withdrawn_at is not None:
            return InvitationState.WITHDRAWN
        if self.expires_at is None:
            return InvitationState.QUEUED
        if self.expires_at <= now:
            return InvitationState.EXPIRED
        return InvitationState.SENT

    @property
    def state_label(self) -> str:
        return str(InvitationState(self.state()).label)


class PeopleImport(models.Model):
    """An uploaded spreadsheet's checked rows, between the preview and the lead's confirmation
    (then deleted). Kept for a day at most: each new upload clears older ones."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="+", verbose_name=_("partnership")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    rows = models.JSONField(_("rows"))
    problems = models.JSONField(_("problems"), default=list)
    several_teams = models.BooleanField(_("people may be in more than one team"), default=False)
    fingerprint = models.CharField(_("what the preview showed"), max_length=64)

    class Meta:
        verbose_name = _("people import")
        verbose_name_plural = _("people imports")

    def __str__(self) -> str:
        return self.filename or gettext("Uploaded spreadsheet")
