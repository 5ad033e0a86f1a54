"""The partnership lead's forms, and the invited person's, in the GOV.UK Design System style."""

from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import EMAIL_LIMIT, GdsSetPasswordForm

from .models import Partnership, Role, Team


class TeamChoiceField(forms.ModelChoiceField[Team]):
    def label_from_instance(self, obj: Team) -> str:
        return f"{obj.name} ({obj.organisation.name})"


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=EMAIL_LIMIT,
        help_text=_("Their work address. They will be sent a link to set their password."),
        error_messages={
            "required": _("Enter their email address"),
            "invalid": _("Enter an email address in the correct format, like name@example.org"),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        required=False,
        help_text=_("Optional. They can change it when they accept."),
    )
    team = TeamChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("No team: they lead the partnership only"),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Role.choices,
        initial=Role.MEMBER,
        widget=forms.RadioSelect,
        help_text=_(
            "Members and team leads rate their team. Partnership leads see every team’s "
            "ratings, run rounds and invite people."
        ),
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)
        team.queryset = (
            Team.objects.filter(organisation__partnership=partnership, is_active=True)
            .select_related("organisation")
            .order_by("organisation__name", "name")
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("email", field_width=20),
            Field.text("full_name", field_width=20),
            Field.select("team"),
            Field.radios("role", legend_size="s"),
            Button.primary("submit", gettext("Send invitation"), data_prevent_double_click="true"),
        )

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        role, team = cleaned.get("role"), cleaned.get("team")
        if role in (Role.MEMBER, Role.TEAM_LEAD) and team is None and "team" not in self.errors:
            self.add_error("team", gettext("Choose the team they will rate"))
        return cleaned


class JoinForm(GdsSetPasswordForm):
    """The invited person's name and new password (the password rules, as everywhere)."""

    full_name = forms.CharField(
        label=_("Your full name"),
        max_length=200,
        help_text=_("As your colleagues know you. It is shown beside the answers you give."),
        error_messages={"required": _("Enter your full name")},
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    field_order = ["full_name", "new_password1", "new_password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)
        self.helper.layout = Layout(
            Field.text("full_name", field_width=20),
            Field.text("new_password1", field_width=20),
            Field.text("new_password2", field_width=20),
            Button.primary(
                "submit", gettext("Accept and set password"), data_prevent_double_click="true"
            ),
        )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Upload a spreadsheet"),
        help_text=_("A CSV file or an Excel workbook (.xlsx), 5 MB and 5,000 people at most."),
        error_messages={"required": _("Choose the spreadsheet to upload")},
    )
    several_teams = forms.BooleanField(
        label=_("People may be in more than one team"),
        required=False,
        help_text=_(
            "Leave this unticked to be warned when one email address is in rows of two teams, "
            "which is usually a copying mistake."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field("file"),
            Field.checkbox("several_teams"),
            Button.primary("submit", gettext("Upload and check"), data_prevent_double_click="true"),
        )
