"""Partnerships, organisations, teams and who belongs to them, in the admin site."""

from typing import Any, ClassVar

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.admin import NotOwnRolesInline, UserAdmin
from accounts.models import User

from .models import Invitation, Organisation, Partnership, PartnershipLead, Team, TeamMembership


class PartnershipLeadInline(admin.TabularInline):
    model = PartnershipLead
    autocomplete_fields = ["user"]
    extra = 0
    verbose_name = _("partnership lead")
    verbose_name_plural = _("partnership leads")


class OrganisationInline(admin.TabularInline):
    model = Organisation
    fields = ["name", "sector"]
    show_change_link = True
    extra = 0


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["name", "area", "organisation_count", "team_count"]
    search_fields = ["name", "area"]
    inlines = [PartnershipLeadInline, OrganisationInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Partnership]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                organisation_total=Count("organisations", distinct=True),
                team_total=Count("organisations__teams", distinct=True),
            )
        )

    @admin.display(description=_("organisations"), ordering="organisation_total")
    def organisation_count(self, obj: Partnership) -> int:
        return obj.organisation_total  # type: ignore[attr-defined]

    @admin.display(description=_("teams"), ordering="team_total")
    def team_count(self, obj: Partnership) -> int:
        return obj.team_total  # type: ignore[attr-defined]


class TeamInline(admin.TabularInline):
    model = Team
    fields = ["name", "team_type", "headcount", "is_active"]
    show_change_link = True
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "sector", "partnership"]
    list_filter = ["partnership", "sector"]
    search_fields = ["name"]
    list_select_related = ["partnership"]
    inlines = [TeamInline]


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "organisation",
        "partnership_name",
        "team_type",
        "headcount",
        "is_active",
    ]
    list_filter = ["is_active", "team_type", "organisation__sector", "organisation__partnership"]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation__partnership"]
    autocomplete_fields = ["organisation"]
    inlines = [MembershipInline]

    @admin.display(description=_("partnership"), ordering="organisation__partnership__name")
    def partnership_name(self, obj: Team) -> str:
        return obj.organisation.partnership.name


@admin.register(TeamMembership)
class TeamMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "is_team_lead"]
    list_filter = ["is_team_lead", "team__organisation__partnership"]
    search_fields = ["user__email", "user__full_name", "team__name"]
    list_select_related = ["user", "team__organisation"]
    autocomplete_fields = ["user", "team"]


@admin.register(PartnershipLead)
class PartnershipLeadAdmin(admin.ModelAdmin):
    list_display = ["user", "partnership"]
    list_filter = ["partnership"]
    search_fields = ["user__email", "user__full_name", "partnership__name"]
    list_select_related = ["user", "partnership"]
    autocomplete_fields = ["user"]


class TeamMembershipRoleInline(NotOwnRolesInline):
    model = TeamMembership
    autocomplete_fields = ["team"]
    extra = 0
    verbose_name = _("team membership")
    verbose_name_plural = _("team memberships")


class PartnershipLeadRoleInline(NotOwnRolesInline):
    model = PartnershipLead
    extra = 0
    verbose_name = _("partnership they lead")
    verbose_name_plural = _("partnerships they lead")


admin.site.unregister(User)


@admin.register(User)
class PeopleAdmin(UserAdmin):
    """The User admin (accounts.admin), with the roles people have in partnerships and teams."""

    inlines: ClassVar[list[Any]] = [TeamMembershipRoleInline, PartnershipLeadRoleInline]

    def privileges(self, user: User) -> dict[str, object]:
        return {
            **super().privileges(user),
            "leads partnerships": sorted(
                PartnershipLead.objects.filter(user=user).values_list("partnership", flat=True)
            ),
            "member of teams": sorted(
                TeamMembership.objects.filter(user=user).values_list("team", flat=True)
            ),
        }


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are made and sent by partnership leads in the service; administrators look,
    and may withdraw one by setting its withdrawn time. The token's hash is never shown."""

    list_display = ["email", "partnership", "team", "role", "state_label", "sent_at"]
    list_filter = ["partnership", "role"]
    search_fields = ["email", "full_name"]
    fields = (
        "partnership",
        "team",
        "email",
        "full_name",
        "role",
        "invited_by",
        "created_at",
        "sends",
        "sent_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "withdrawn_at",
    )
    readonly_fields = fields[:-1]  # all but withdrawn_at

    @admin.display(description=_("state"))
    def state_label(self, invitation: Invitation) -> str:
        return invitation.state_label

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
