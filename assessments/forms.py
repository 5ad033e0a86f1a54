"""Forms for rating a team (one small form per item, plus the page's own version and action), and
the partnership lead's forms for rounds."""

import datetime
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout
from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from accounts.forms import GdsDateField
from checklists.models import Checklist, Item, Rag
from partnerships.models import Organisation, Partnership, Team, TeamType

from . import text
from .models import Action, ActionStatus, Answer, Rating, Reminder, Round, reminder_day

TEXT_LIMIT = 2000


class PlainTextField(forms.CharField):
    """Free text as people paste it: every kind of line break becomes a plain line break, and
    any other invisible control character is refused with a message saying where it is."""

    def __init__(self, **kwargs: Any) -> None:
        limit = kwargs.get("max_length")
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        messages = kwargs.setdefault("error_messages", {})
        if limit:
            messages.setdefault(
                "max_length",
                gettext_lazy("Write %(limit)s characters or fewer") % {"limit": f"{limit:,}"},
            )
        super().__init__(**kwargs)
        # Our own check names null characters too, in the same words as any other control.
        self.validators = [
            v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]

    def to_python(self, value: Any) -> str:
        if isinstance(value, str):
            value = text.normalise_line_breaks(value)
            if text.is_blank(value):
                value = ""  # so that a required field made of invisible marks is refused
        return str(super().to_python(value))

    def validate(self, value: Any) -> None:
        super().validate(value)
        text.refuse_control_characters(value)


class RatingForm(forms.ModelForm):
    """One item's answer. Leaving the radios empty keeps the item unrated."""

    rag = forms.ChoiceField(
        choices=[(rag.value, rag.label) for rag in Rag.colours()],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("Choose Red, Amber or Green")},
    )
    evidence = PlainTextField(required=False, max_length=TEXT_LIMIT)
    next_step = PlainTextField(required=False, max_length=TEXT_LIMIT)

    class Meta:
        model = Rating
        fields = ["rag", "evidence", "next_step"]

    def __init__(self, *args: Any, item: Item, **kwargs: Any) -> None:
        kwargs["prefix"] = f"item-{item.pk}"
        super().__init__(*args, **kwargs)
        self.item = item
        if self.instance.rag == Rag.UNRATED:
            self.initial["rag"] = ""

    def clean_rag(self) -> str:
        return self.cleaned_data["rag"] or Rag.UNRATED

    def was_posted(self) -> bool:
        """Whether the post carried this item at all. A browser always sends both text boxes
        (empty or not); it sends no rating for an unchosen radio group, so the text boxes are
        the proof. Without this, a missing item would read as "unrated, blank" and wipe it."""
        return all(self.add_prefix(field) in self.data for field in ("evidence", "next_step"))

    def answer(self) -> Answer:
        data = self.cleaned_data
        return Answer(rag=data["rag"], evidence=data["evidence"], next_step=data["next_step"])


class PageForm(forms.Form):
    """The version the section page was loaded at, which button was pressed, and whether the
    person came from check your answers (and goes back there after saving)."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    action = forms.ChoiceField(
        choices=[
            ("save", gettext_lazy("Save and return to the task list")),
            ("continue", gettext_lazy("Save and continue")),
        ],
        required=False,
    )
    return_to = forms.ChoiceField(
        choices=[("", ""), ("check", gettext_lazy("Check your answers"))], required=False
    )

    def clean_action(self) -> str:
        return self.cleaned_data["action"] or "save"


class ConflictChoiceForm(forms.Form):
    """On the conflict page: for each item that differs, keep mine or keep the saved answer."""

    keep = forms.ChoiceField(
        choices=[
            ("mine", gettext_lazy("Keep my answer")),
            ("saved", gettext_lazy("Keep the saved answer")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose which answer to keep")},
    )

    def __init__(self, *args: Any, item: Item, **kwargs: Any) -> None:
        kwargs["prefix"] = f"keep-{item.pk}"
        super().__init__(*args, **kwargs)
        self.item = item


class ReopenForm(forms.Form):
    reason = PlainTextField(
        label=gettext_lazy("Why are you reopening it?"),
        help_text=gettext_lazy(
            "The team will see this, and it is kept in the assessment's history."
        ),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("Enter why you are reopening the assessment")},
    )


OPENING = {
    "required": gettext_lazy("Enter the date the round opens"),
    "invalid": gettext_lazy("Enter a real opening date, like 27 3 2027"),
    "day": gettext_lazy("Enter the day the round opens"),
    "month": gettext_lazy("Enter the month the round opens"),
    "year": gettext_lazy("Enter the year the round opens"),
}
CLOSING = {
    "required": gettext_lazy("Enter the date the round closes"),
    "invalid": gettext_lazy("Enter a real closing date, like 27 3 2027"),
    "day": gettext_lazy("Enter the day the round closes"),
    "month": gettext_lazy("Enter the month the round closes"),
    "year": gettext_lazy("Enter the year the round closes"),
}


class RoundForm(forms.ModelForm):
    """A new round, as a partnership lead sets it up; the model's rules say what is refused
    (dates the wrong way round, an overlap with another round of the checklist)."""

    opens_on = GdsDateField(
        label=gettext_lazy("Opening date"),
        messages=OPENING,
        help_text=gettext_lazy("The first day teams can start. For example, 5 1 2027"),
    )
    closes_on = GdsDateField(
        label=gettext_lazy("Closing date"),
        messages=CLOSING,
        help_text=gettext_lazy("The last day teams can save or submit. For example, 13 2 2027"),
    )

    class Meta:
        model = Round
        fields = ["name", "checklist", "opens_on", "closes_on"]
        labels = {"name": gettext_lazy("Name of the round"), "checklist": gettext_lazy("Checklist")}
        help_texts = {
            "name": gettext_lazy(
                "As teams will see it, for example “2027 workforce self-assessment”."
            )
        }

    teams = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Teams taking part"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Every active team is ticked. Untick any team that is not taking part this time."
        ),
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.partnership = partnership
        self.active_teams = Team.objects.filter(
            organisation__partnership=partnership, is_active=True
        ).order_by("organisation__name", "name")
        teams = self.fields["teams"]
        assert isinstance(teams, forms.ModelMultipleChoiceField)
        teams.queryset = self.active_teams
        if not self.is_bound:
            self.initial["teams"] = list(self.active_teams)
        checklist = self.fields["checklist"]
        assert isinstance(checklist, forms.ModelChoiceField)
        checklist.queryset = Checklist.objects.filter(status=Checklist.Status.PUBLISHED)
        checklist.empty_label = None
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("name"),
            Field.select("checklist"),
            Field("opens_on"),
            Field("closes_on"),
            Field.checkboxes("teams", legend_size="s", small=True),
            Button.primary("submit", gettext("Create round"), data_prevent_double_click="true"),
        )

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if Round.objects.filter(partnership=self.instance.partnership, name__iexact=name).exists():
            raise forms.ValidationError(
                gettext("The partnership already has a round called %(name)s. Choose another name.")
                % {"name": name}
            )
        return name

    def clean_teams(self) -> Any:
        chosen = self.cleaned_data["teams"]
        if not chosen:
            raise forms.ValidationError(gettext("Choose at least one team to take part"))
        return chosen

    def save(self, commit: bool = True) -> Round:
        round_: Round = super().save(commit=commit)
        chosen = {team.pk for team in self.cleaned_data["teams"]}
        round_.left_out.set([team for team in self.active_teams if team.pk not in chosen])
        return round_

    def clean_opens_on(self) -> datetime.date:
        opens: datetime.date = self.cleaned_data["opens_on"]
        if opens < timezone.localdate():
            raise forms.ValidationError(gettext("The opening date must be today or later"))
        return opens


class RoundDatesForm(forms.ModelForm):
    """A round's dates changed: both before it opens, the closing date after."""

    opens_on = GdsDateField(label=gettext_lazy("Opening date"), messages=OPENING)
    closes_on = GdsDateField(
        label=gettext_lazy("Closing date"),
        messages=CLOSING,
        help_text=gettext_lazy("The last day teams can save or submit."),
    )

    class Meta:
        model = Round
        fields = ["opens_on", "closes_on"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_opened = self.instance.opens_on <= timezone.localdate()
        if self.has_opened:
            del self.fields["opens_on"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        fields = [] if self.has_opened else [Field("opens_on")]
        self.helper.layout = Layout(
            *fields, Field("closes_on"), Button.primary("submit", gettext("Save dates"))
        )

    def clean_opens_on(self) -> datetime.date:
        opens: datetime.date = self.cleaned_data["opens_on"]
        if opens < timezone.localdate():
            raise forms.ValidationError(gettext("The opening date must be today or later"))
        return opens

    def clean_closes_on(self) -> datetime.date:
        closes: datetime.date = self.cleaned_data["closes_on"]
        if closes < timezone.localdate():
            raise forms.ValidationError(
                gettext(
                    "The closing date must be today or later. "
                    "To close the round now, use “Close now”."
                )
            )
        return closes


class ReminderForm(forms.ModelForm):
    """A reminder some days before the round closes, as a lead adds one."""

    days_before = forms.IntegerField(
        label=gettext_lazy("How many days before the closing date?"),
        help_text=gettext_lazy("For example, 7. On the closing day itself, enter 0."),
        min_value=0,
        max_value=365,
        # GOV.UK asks for a text input for numbers: a number input changes with the scroll wheel.
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "required": gettext_lazy("Enter how many days before the closing date"),
            "invalid": gettext_lazy("Enter the number of days as a whole number, like 7"),
            "min_value": gettext_lazy("Enter a number of days from 0 to 365"),
            "max_value": gettext_lazy("Enter a number of days from 0 to 365"),
        },
    )

    class Meta:
        model = Reminder
        fields = ["days_before"]

    def __init__(self, *args: Any, round: Round, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.round = round
        self.instance.kind = Reminder.Kind.REMINDER
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("days_before", field_width=2),
            Button.secondary("submit", gettext("Add reminder"), data_prevent_double_click="true"),
        )

    def clean_days_before(self) -> int:
        days: int = self.cleaned_data["days_before"]
        round_ = self.instance.round
        day = reminder_day(round_.closes_on, days)
        if round_.reminders.filter(days_before=days).exists():
            raise forms.ValidationError(
                gettext("There is already a reminder %(days)s days before the closing date")
                % {"days": days}
            )
        if day <= round_.opens_on:
            raise forms.ValidationError(
                gettext(
                    "That is %(day)s, which is not after the opening day, %(opens)s: enter "
                    "fewer days"
                )
                % {
                    "day": date_format(day, "l j F Y"),
                    "opens": date_format(round_.opens_on, "l j F"),
                }
            )
        if day <= timezone.localdate():
            raise forms.ValidationError(
                gettext(
                    "That is %(day)s, which is not after today: enter fewer days, or send a "
                    "reminder now"
                )
                % {"day": date_format(day, "l j F Y")}
            )
        return days


class ActionForm(forms.ModelForm):
    """An action of the partnership's plan for one item, as a lead writes it. `version` is the
    action's version when the form was loaded, so that a stale save is refused (see the view)."""

    due_on = GdsDateField(
        label=gettext_lazy("Due date"),
        help_text=gettext_lazy(
            "For example, 31 3 2027. A date already past is kept, and shown as overdue."
        ),
        messages={
            "required": gettext_lazy("Enter the date the action is due"),
            "invalid": gettext_lazy("Enter a real due date, like 31 3 2027"),
            "day": gettext_lazy("Enter the day the action is due"),
            "month": gettext_lazy("Enter the month the action is due"),
            "year": gettext_lazy("Enter the year the action is due"),
        },
    )
    what = PlainTextField(
        label=gettext_lazy("What will be done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("Enter what will be done")},
    )
    owner_name = PlainTextField(
        label=gettext_lazy("Who owns it"),
        help_text=gettext_lazy(
            "A name and, if it helps, a role: for example, Sam Lee, training lead."
        ),
        max_length=200,
        widget=forms.TextInput,
        error_messages={"required": gettext_lazy("Enter who owns the action")},
    )
    measure = PlainTextField(
        label=gettext_lazy("How will the next round show that it worked? (optional)"),
        help_text=gettext_lazy("For example: no health visiting team rates this item Red."),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    team_types = forms.MultipleChoiceField(
        label=gettext_lazy("Team types it concerns (optional)"),
        choices=TeamType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Action
        fields = ["what", "owner_name", "organisations", "team_types", "due_on", "measure"]
        labels = {"organisations": gettext_lazy("Organisations it concerns (optional)")}
        widgets = {"organisations": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = self.fields["organisations"]
        assert isinstance(organisations, forms.ModelMultipleChoiceField)
        organisations.queryset = Organisation.objects.filter(partnership=partnership).order_by(
            "name"
        )
        if not self.is_bound:
            self.initial["version"] = self.instance.version
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.textarea("what"),
            Field.text("owner_name", field_width=20),
            Field("due_on"),
            Field.textarea("measure"),
            Field.checkboxes("organisations", legend_size="s", small=True),
            Field.checkboxes("team_types", legend_size="s", small=True),
            Field("version"),
            Button.primary("submit", gettext("Save action"), data_prevent_double_click="true"),
        )


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=ActionStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the action's status")},
    )
    note = PlainTextField(
        label=gettext_lazy("What has happened"),
        help_text=gettext_lazy("Kept, with today's date, in the action's history."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Enter what has happened")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.radios("status", legend_size="s", small=True),
            Field.textarea("note"),
            Field("version"),
            Button.primary("submit", gettext("Save status"), data_prevent_double_click="true"),
        )


class BoardPaperForm(forms.Form):
    asks = PlainTextField(
        label=gettext_lazy("Asks of the board"),
        help_text=gettext_lazy(
            "What the partnership needs the board to decide or do, one ask to a line. They "
            "close the executive summary."
        ),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, final: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if final:
            self.fields["asks"].disabled = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Field.textarea("asks", max_characters=3000), Field("version"))
