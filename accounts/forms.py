"""The sign-in and password pages' forms, laid out in the GOV.UK Design System style."""

from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout
from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.http import HttpRequest

from .lockout import client_address
from .models import PasswordResetRequest

EMAIL_LIMIT = 254  # the longest e-mail address there can be (RFC 5321), and our column's size


def _helper(*fields: Field, button: str) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # the template owns the <form>, its action and CSRF token
    helper.layout = Layout(*fields, Button.primary("submit", button))
    return helper


class EmailAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter the e-mail address and password of your account. "
        "Passwords are case-sensitive.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "spellcheck": "false"}
        )
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"
        self.helper = _helper(
            Field.text("username", field_width=20),
            Field.text("password", field_width=20),
            button="Sign in",
        )

    def clean_username(self) -> str:
        email = str(self.cleaned_data["username"]).strip().lower()
        if len(email) > EMAIL_LIMIT:  # refused here, before anything is tried or recorded
            raise forms.ValidationError(
                f"Enter an email address of {EMAIL_LIMIT} characters or fewer", code="max_length"
            )
        return email


class GdsPasswordResetForm(PasswordResetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.helper = _helper(Field.text("email", field_width=20), button="Send me a reset link")

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
            button="Change password",
        )


class GdsPasswordChangeForm(PasswordChangeForm):
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "Your current password is not right. Enter it again",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["old_password"].widget.attrs["autofocus"] = False
        self.helper = _helper(
            Field.text("old_password", field_width=20),
            Field.text("new_password1", field_width=20),
            Field.text("new_password2", field_width=20),
            button="Change password",
        )
