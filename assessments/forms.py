"""Forms for rating a team: one small form per item, plus the page's own version and action."""

from typing import Any

from django import forms

from . import reports
from .models import Answer, Item, Rag, Rating, Sector, TeamType

TEXT_LIMIT = 2000


class RatingForm(forms.ModelForm):
    """One item's answer. Leaving the radios empty keeps the item unrated."""

    rag = forms.ChoiceField(
        choices=[(rag.value, rag.label) for rag in Rag.colours()],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose Red, Amber or Green"},
    )
    evidence = forms.CharField(
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"Write {TEXT_LIMIT:,} characters or fewer"},
    )
    next_step = forms.CharField(
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"Write {TEXT_LIMIT:,} characters or fewer"},
    )

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

    def answer(self) -> Answer:
        data = self.cleaned_data
        return Answer(rag=data["rag"], evidence=data["evidence"], next_step=data["next_step"])


class PageForm(forms.Form):
    """The version the page was loaded at, and which button was pressed."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    action = forms.ChoiceField(
        choices=[("save", "Save and come back later"), ("continue", "Continue")],
        required=False,
    )

    def clean_action(self) -> str:
        return self.cleaned_data["action"] or "save"


class ConflictChoiceForm(forms.Form):
    """On the conflict page: for each item that differs, keep mine or keep the saved answer."""

    keep = forms.ChoiceField(
        choices=[("mine", "Keep my answer"), ("saved", "Keep the saved answer")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose which answer to keep"},
    )

    def __init__(self, *args: Any, item: Item, **kwargs: Any) -> None:
        kwargs["prefix"] = f"keep-{item.pk}"
        super().__init__(*args, **kwargs)
        self.item = item


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why are you reopening it?",
        help_text="The team will see this, and it is kept in the assessment's history.",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Enter why you are reopening the assessment",
            "max_length": "Write 1,000 characters or fewer",
        },
    )


class ReportFilterForm(forms.Form):
    sector = forms.ChoiceField(
        label="Sector", choices=[("", "All sectors"), *Sector.choices], required=False
    )
    team_type = forms.ChoiceField(
        label="Team type", choices=[("", "All team types"), *TeamType.choices], required=False
    )

    def filters(self) -> reports.Filters:
        return reports.Filters(
            sector=self.cleaned_data["sector"], team_type=self.cleaned_data["team_type"]
        )
