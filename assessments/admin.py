"""Rounds, assessments and ratings in the admin site, with their history."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Action, ActionUpdate, Assessment, Rating, Round


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["name", "partnership", "checklist", "opens_on", "closes_on", "open_now"]
    list_filter = ["partnership", "checklist"]
    search_fields = ["name", "partnership__name"]
    list_select_related = ["partnership", "checklist"]
    date_hierarchy = "opens_on"
    # Teams of other partnerships may be picked here but change nothing: a round only ever
    # asks its own partnership's teams.
    autocomplete_fields = ["left_out"]

    @admin.display(boolean=True, description=_("open now"))
    def open_now(self, obj: Round) -> bool:
        return obj.is_open

    def save_model(self, request: HttpRequest, obj: Round, form: Any, change: bool) -> None:
        """A round made here gets the same e-mails as one a lead makes; changed dates move
        them, as on the lead's page."""
        super().save_model(request, obj, form, change)
        if not change:
            obj.set_up_emails(by=request.user)  # type: ignore[arg-type]
        elif {"opens_on", "closes_on"} & set(form.changed_data):
            obj.reschedule_emails()


class RatingInline(admin.TabularInline):
    model = Rating
    fields = ["item", "rag", "evidence", "next_step", "updated_by", "updated_at"]
    readonly_fields = ["updated_by", "updated_at"]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Rating]:
        return super().get_queryset(request).select_related("item", "updated_by")


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    list_display = ["team", "round", "status", "version", "submitted_at", "updated_at"]
    list_filter = ["status", "round__partnership", "round"]
    search_fields = ["team__name", "team__organisation__name", "round__name"]
    list_select_related = ["team__organisation", "round__partnership"]
    readonly_fields = ["version", "submitted_at", "submitted_by", "updated_at"]
    history_list_display = ["status", "version", "reopened_reason"]
    autocomplete_fields = ["team"]
    inlines = [RatingInline]


@admin.register(Rating)
class RatingAdmin(SimpleHistoryAdmin):
    list_display = ["item", "rag", "assessment", "updated_by", "updated_at"]
    list_filter = ["rag", "assessment__round"]
    search_fields = ["item__code", "assessment__team__name", "evidence", "next_step"]
    list_select_related = ["item", "assessment__team", "assessment__round", "updated_by"]
    readonly_fields = ["updated_by", "updated_at"]
    history_list_display = ["rag", "evidence", "next_step"]
    raw_id_fields = ["assessment", "item"]


class ActionUpdateInline(admin.TabularInline):
    model = ActionUpdate
    fields = ["status", "note", "made_by", "made_at"]
    readonly_fields = ["status", "note", "made_by", "made_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a status changes with its note on the lead's page, never on its own


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin):
    """Partnerships' action plans: leads keep them on their own pages; here to look at and
    correct."""

    list_display = ["item_code", "what", "partnership", "owner_name", "due_on", "status"]
    list_filter = ["status", "partnership"]
    search_fields = ["item_code", "what", "owner_name", "partnership__name"]
    list_select_related = ["partnership"]
    readonly_fields = ["status", "closed_at", "version", "created_by", "created_at", "updated_at"]
    exclude = ["team_types"]
    raw_id_fields = ["round", "owner"]
    autocomplete_fields = ["organisations"]
    inlines = [ActionUpdateInline]
