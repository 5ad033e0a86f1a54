"""People in the admin site. Privileges are a superuser's to give: nobody else can change
anyone's administrator, superuser, group or permission settings, touch a superuser's account
(whose password would be theirs to take), change their own roles, or edit what a group may do."""

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.db.models import CASCADE, ForeignObjectRel, Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import two_factor
from .models import User
from .two_factor import security


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError(gettext("Someone already has this e-mail address."))
        return email


class EmailUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(gettext("Someone already has this e-mail address."))
        return email


PRIVILEGE_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]


def _has_left_a_trace(user: User) -> bool:
    """Whether anything recorded names the person as its author (ratings, submissions, history):
    then they are deactivated, never deleted. Such records point at the person with a link that
    outlives them (SET_NULL and the like); their roles and devices go with them (CASCADE)."""
    for relation in User._meta.get_fields(include_hidden=True):
        if (
            isinstance(relation, ForeignObjectRel)
            and relation.one_to_many
            and relation.on_delete is not CASCADE
            and relation.related_model._default_manager.filter(
                **{relation.field.name: user}
            ).exists()
        ):
            return True
    return False


def _own_roles(request: HttpRequest, obj: Model | None) -> bool:
    """Whether someone who is not a superuser is looking at their own account."""
    return obj is not None and obj.pk == request.user.pk and not request.user.is_superuser


def _someone_elses_superuser(request: HttpRequest, obj: Any) -> bool:
    """A superuser's account, its password included, is for superusers to change."""
    return obj is not None and obj.is_superuser and not request.user.is_superuser


class NotOwnRolesInline(admin.TabularInline):
    """Roles (team memberships, partnership leadership) grant access to results: a person who
    is not a superuser cannot add, change or remove their own. The apps that hold roles add
    their inlines to the User admin (partnerships.admin)."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return not _own_roles(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return not _own_roles(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return not _own_roles(request, obj) and super().has_delete_permission(request, obj)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = EmailUserChangeForm
    add_form = UserCreationForm
    list_display = ["email", "full_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active", "memberships__team__organisation__partnership"]
    search_fields = ["email", "full_name"]
    ordering = ["email"]
    inlines: ClassVar[list[Any]] = []  # the roles of other apps (partnerships.admin)
    fieldsets = (
        (None, {"fields": ("email", "full_name", "password")}),
        (
            gettext_lazy("Access"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (gettext_lazy("Second step when signing in"), {"fields": ("second_factor",)}),
        (gettext_lazy("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )
    readonly_fields = ["last_login", "date_joined", "second_factor"]

    def privileges(self, user: User) -> dict[str, object]:
        """What the person may do, as identifiers only (for the security log). Apps that give
        people roles add theirs (partnerships.admin)."""
        return {
            "is_active": user.is_active,
            "is_staff": user.is_staff,
            "is_superuser": user.is_superuser,
            "groups": sorted(user.groups.values_list("pk", flat=True)),
            "permissions": sorted(user.user_permissions.values_list("codename", flat=True)),
        }

    actions = ["reset_second_factor"]

    @admin.display(description=gettext_lazy("Authenticator app"))
    def second_factor(self, obj: User) -> str:
        app = two_factor.app_of(obj) if obj.pk else None
        if app is None:
            if two_factor.required_for(obj):
                return gettext("Needed, not set up yet")
            return gettext("Not set up")
        codes = two_factor.backup_codes_of(obj)
        left = codes.remaining() if codes is not None else 0
        return ngettext(
            "Set up on %(date)s; %(left)s backup code left",
            "Set up on %(date)s; %(left)s backup codes left",
            left,
        ) % {"date": date_format(timezone.localtime(app.created_at)), "left": left}

    @admin.action(
        description=gettext_lazy("Reset the second step (lost phone): they set up a new app")
    )
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            two_factor.reset(user)
        self.message_user(
            request,
            ngettext(
                "Reset the second step of %(count)s person and signed them out. They set up a "
                "new app at their next sign-in.",
                "Reset the second step of %(count)s people and signed them out. Each sets up a "
                "new app at their next sign-in.",
                queryset.count(),
            )
            % {"count": queryset.count()},
            messages.SUCCESS,
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        stored = User.objects.filter(pk=obj.pk).first() if change else None
        request._privileges_before = self.privileges(stored) if stored else {}  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_privileges_before", {})
        after = self.privileges(User.objects.get(pk=form.instance.pk))
        changes = [
            f"{what} {before.get(what)} -> {value}"
            for what, value in after.items()
            if before.get(what) != value
        ]
        if changes:
            security.warning(
                "privileges of user %s changed: %s", form.instance.pk, "; ".join(changes)
            )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += PRIVILEGE_FIELDS
        return fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if _someone_elses_superuser(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if _someone_elses_superuser(request, obj):
            return False
        if obj is not None and _has_left_a_trace(obj):
            return False  # deactivate instead (the "active" box): history keeps who did what
        return super().has_delete_permission(request, obj)

    def get_actions(
        self, request: HttpRequest, action_location: ActionLocation = ActionLocation.CHANGE_LIST
    ) -> Any:
        # The bulk delete asks no question of each person, so it could remove someone whose
        # ratings and history name them: people are deleted one at a time, or deactivated.
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        if not request.user.is_superuser:
            actions.pop("reset_second_factor", None)  # it weakens a sign-in: superusers only
        return actions


admin.site.unregister(Group)
# django-otp's own page shows each app's secret: nobody needs to read it, so it is not offered.
admin.site.unregister(TOTPDevice)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    """What a group may do is a privilege: only superusers change groups."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser
