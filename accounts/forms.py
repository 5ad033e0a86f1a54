"""The sign-in and password pages' forms, laid out in the GOV.UK Design System style, and the
fields every app's forms share."""

import datetime
from typing import TYPE_CHECKING, Any

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout
from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.validators import RegexValidator
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .lockout import client_address, counted_again_on_collision
from .models import PasswordResetRequest

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

EMAIL_LIMIT = 254  # the longest e-mail address there can be (RFC 5321), and our column's size


def _helper(*fields: Field, button: str) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # the template owns the <form>, its action and CSRF token
    helper.layout = Layout(*fields, Button.primary("submit", button))
    return helper


class EmailAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Enter the e-mail address and password of your account. Passwords are case-sensitive."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "spellcheck": "false"}
        )
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"
        self.helper = _helper(
            Field.text("username", field_width=20),
            Field.text("password", field_width=20),
            button=gettext("Sign in"),
        )

    def clean(self) -> dict[str, Any]:
        # A wrong password collides with a right one clearing the count: counted, not a 500.
        return counted_again_on_collision(super().clean)

    def clean_username(self) -> str:
        email = str(self.cleaned_data["username"]).strip().lower()
        if len(email) > EMAIL_LIMIT:  # refused here, before anything is tried or recorded
            raise forms.ValidationError(
                gettext("Enter an email address of %(limit)d characters or fewer")
                % {"limit": EMAIL_LIMIT},
                code="max_length",
            )
        return email


class GdsPasswordResetForm(PasswordResetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Email address")
        self.helper = _helper(
            Field.text("email", field_width=20), button=gettext("Send me a reset link")
        )

    def get_users(self, email: str) -> Any:
        return super().get_users(email.strip().lower())

    def save(self, **options: Any) -> None:  # type: ignore[override]
        """Send the link, unless this address or this computer has asked too often this hour.
        The page that follows is the same either way, so nobody learns which addresses exist
        or whether a limit was reached."""
        request: HttpRequest | None = options.get("request")
        address = client_address(request) if request is not None else None
        if PasswordResetRequest.record_and_allow(
            email=self.cleaned_data["email"], client_address=address
        ):
            super().save(**options)


class GdsSetPasswordForm(SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.text("new_password1", field_width=20),
            Field.text("new_password2", field_width=20),
            button=gettext("Change password"),
        )


class GdsPasswordChangeForm(PasswordChangeForm):
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": _("Your current password is not right. Enter it again"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Current password")
        self.fields["old_password"].widget.attrs["autofocus"] = False
        self.helper = _helper(
            Field.text("old_password", field_width=20),
            Field.text("new_password1", field_width=20),
            Field.text("new_password2", field_width=20),
            button=gettext("Change password"),
        )


CODE_LIMIT = 40  # far longer than any code, short enough that nothing is done with a flood


def _code_field(
    label: "StrOrPromise", required: "StrOrPromise", *, digits_only: bool, **options: Any
) -> forms.Field:
    attrs = {"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none"}
    if digits_only:
        attrs["inputmode"] = "numeric"
    return forms.CharField(
        label=label,
        max_length=CODE_LIMIT,
        error_messages={"required": required, "max_length": required},
        widget=forms.TextInput(attrs=attrs),
        **options,
    )


class SecondStepForm(forms.Form):
    """The code from the person's authenticator app, or one of their backup codes."""

    code = _code_field(
        _("Code"),
        _("Enter the 6-digit code from your authenticator app, or a backup code"),
        digits_only=False,  # backup codes have letters
        help_text=_(
            "The 6-digit code your authenticator app shows now, or one of your backup codes if "
            "you do not have the app with you."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.text("code", field_width=10), button=gettext("Continue"))


class NewAppForm(forms.Form):
    """The first code from an app being set up, which proves it holds the secret."""

    code = _code_field(
        _("Enter the 6-digit code the app shows"),
        _("Enter the 6-digit code from your authenticator app"),
        digits_only=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.text("code", field_width=5), button=gettext("Continue"))

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError(
                gettext("Enter the 6 digits the app shows, like 123456"), code="format"
            )
        return code


class GdsDateField(DateInputField):
    """A date as GOV.UK asks for one, in day, month and year boxes, with our own messages (the
    library's are not translated, and a date that does not exist says so in plain words).
    `messages` names the date in them: "required", "invalid", "day", "month", "year"."""

    def __init__(self, *, messages: dict[str, Any] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("require_all_fields", False)
        super().__init__(**kwargs)
        said = {
            "required": _("Enter the day, month and year"),
            "invalid": _("Enter a real date, like 27 3 2027"),
            "day": _("Enter the day"),
            "month": _("Enter the month"),
            "year": _("Enter the year"),
            **(messages or {}),
        }
        self.error_messages.update(
            required=said["required"], incomplete=said["required"], invalid=said["invalid"]
        )
        for field, part in zip(self.fields, ("day", "month", "year"), strict=True):
            field.error_messages["incomplete"] = said[part]
            field.validators = [RegexValidator(r"^\s*[0-9]{1,4}\s*$", said["invalid"])]

    def compress(self, data_list: Any) -> datetime.date | None:
        day, month, year = data_list
        if not (day and month and year):
            return None
        try:
            if len(str(year).strip()) != 4:
                raise ValueError
            return datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
