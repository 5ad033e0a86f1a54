"""Checklists in the admin site: a published checklist is read-only; new versions are drafts."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from .models import Checklist, Item, Section

LOCKED_MESSAGE = gettext_lazy(
    "This checklist is %(status)s, so it cannot be changed: every rating keeps the wording that "
    "was rated. To make changes, use “Create a new draft version”."
)


def _checklist_of(obj: Checklist | Section | Item | None) -> Checklist | None:
    if obj is None or isinstance(obj, Checklist):
        return obj
    return obj.checklist


class LockedChecklistAdminMixin:
    """Shows published and retired checklist content read-only, and refuses edits with a message."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        checklist = _checklist_of(obj)
        if checklist is not None and checklist.is_locked:
            return False
        return super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        checklist = _checklist_of(obj)
        if checklist is not None and checklist.is_locked:
            return False
        return super().has_delete_permission(request, obj)  # type: ignore[misc]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)  # type: ignore[attr-defined]
        checklist = _checklist_of(obj)
        if checklist is not None and checklist.is_locked and request.user.is_staff:
            text = LOCKED_MESSAGE % {"status": checklist.get_status_display().lower()}
            if request.method == "POST":
                messages.error(
                    request, gettext("Your changes were not saved. %(why)s") % {"why": text}
                )
                return HttpResponseRedirect(request.path)
            messages.warning(request, text)
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]


class LockedInlineMixin:
    """Inlines of a published checklist: nothing to add, change or delete."""

    def _locked(self, obj: Any) -> bool:
        checklist = _checklist_of(obj)
        return checklist is not None and checklist.is_locked

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._locked(obj) and super().has_add_permission(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._locked(obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._locked(obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class SectionInline(LockedInlineMixin, admin.TabularInline):
    model = Section
    fields = ["order", "title"]
    ordering = ["order", "pk"]
    extra = 0


class ItemInline(LockedInlineMixin, admin.StackedInline):
    model = Item
    fields = [
        ("order", "code", "section"),
        "statement",
        "guidance",
        "red_descriptor",
        "amber_descriptor",
        "green_descriptor",
    ]
    ordering = ["order", "code"]
    extra = 0

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # Only the sections of the checklist being edited.
        if db_field.name == "section":
            match = request.resolver_match
            object_id = match.kwargs.get("object_id") if match else None
            kwargs["queryset"] = (
                Section.objects.filter(checklist_id=object_id)
                if object_id
                else Section.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Checklist)
class ChecklistAdmin(LockedChecklistAdminMixin, admin.ModelAdmin):
    list_display = ["name", "version", "status", "item_count", "round_count", "published_at"]
    list_filter = ["status", "name"]
    search_fields = ["name", "items__code", "items__statement"]
    readonly_fields = ["status", "published_at", "created_at"]
    fields = ["name", "version", "status", "introduction", "source", "created_at", "published_at"]
    inlines = [SectionInline, ItemInline]
    actions = ["create_new_version", "publish", "retire"]
    change_form_template = "admin/checklists/checklist/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Checklist]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                item_total=Count("items", distinct=True), round_total=Count("rounds", distinct=True)
            )
        )

    @admin.display(description=gettext_lazy("items"), ordering="item_total")
    def item_count(self, obj: Checklist) -> int:
        return obj.item_total  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("rounds"), ordering="round_total")
    def round_count(self, obj: Checklist) -> int:
        return obj.round_total  # type: ignore[attr-defined]

    def get_urls(self) -> list[URLPattern]:
        new_version = self.admin_site.admin_view(require_POST(self.new_version_view))
        return [
            path("<int:pk>/new-version/", new_version, name="checklists_checklist_new_version"),
            *super().get_urls(),
        ]

    def new_version_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_add_permission(request):
            return redirect("admin:checklists_checklist_change", pk)
        draft = get_object_or_404(Checklist, pk=pk).new_draft_version()
        messages.success(
            request, gettext("Created %(draft)s. Edit it here, then publish it.") % {"draft": draft}
        )
        return redirect("admin:checklists_checklist_change", draft.pk)

    def response_change(self, request: HttpRequest, obj: Checklist) -> HttpResponse:
        """ "Save and publish" is a button of the change form itself: the admin has saved the
        edits (checklist, sections and items) before this runs, so none is dropped; a form
        with errors never gets here, so nothing is published until it is put right."""
        if "_publish" in request.POST:
            self._publish_one(request, obj)
            return redirect("admin:checklists_checklist_change", obj.pk)
        return super().response_change(request, obj)

    def _publish_one(self, request: HttpRequest, checklist: Checklist) -> None:
        try:
            checklist.publish()
        except ValidationError as error:
            messages.error(
                request,
                gettext("%(checklist)s was not published: %(why)s")
                % {"checklist": checklist, "why": " ".join(error.messages)},
            )
        else:
            messages.success(
                request,
                gettext("Published %(checklist)s. It can now be used in rounds.")
                % {"checklist": checklist},
            )

    @admin.action(description=gettext_lazy("Create a new draft version of the selected checklists"))
    def create_new_version(self, request: HttpRequest, queryset: QuerySet[Checklist]) -> None:
        for checklist in queryset:
            draft = checklist.new_draft_version()
            url = reverse("admin:checklists_checklist_change", args=[draft.pk])
            link = format_html('<a href="{}">{}</a>', url, draft)
            messages.success(request, format_html(gettext("Created {}."), link))

    @admin.action(description=gettext_lazy("Publish the selected draft checklists"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Checklist]) -> None:
        for checklist in queryset:
            self._publish_one(request, checklist)

    @admin.action(description=gettext_lazy("Retire the selected published checklists"))
    def retire(self, request: HttpRequest, queryset: QuerySet[Checklist]) -> None:
        for checklist in queryset:
            try:
                checklist.retire()
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request, gettext("Retired %(checklist)s.") % {"checklist": checklist}
                )


@admin.register(Section)
class SectionAdmin(LockedChecklistAdminMixin, admin.ModelAdmin):
    list_display = ["title", "checklist", "order"]
    list_filter = ["checklist"]
    search_fields = ["title"]
    ordering = ["checklist", "order"]


@admin.register(Item)
class ItemAdmin(LockedChecklistAdminMixin, admin.ModelAdmin):
    list_display = ["code", "statement", "checklist", "section", "order"]
    list_filter = ["checklist__status", "checklist"]
    search_fields = ["code", "statement", "guidance"]
    list_select_related = ["checklist", "section"]
    ordering = ["checklist", "order", "code"]
