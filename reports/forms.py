from django import forms
from django.utils.translation import gettext_lazy

from partnerships.models import Sector, TeamType

from . import reports


class ReportFilterForm(forms.Form):
    sector = forms.ChoiceField(
        label=gettext_lazy("Sector"),
        choices=[("", gettext_lazy("All sectors")), *Sector.choices],
        required=False,
    )
    team_type = forms.ChoiceField(
        label=gettext_lazy("Team type"),
        choices=[("", gettext_lazy("All team types")), *TeamType.choices],
        required=False,
    )

    def filters(self) -> reports.Filters:
        return reports.Filters(
            sector=self.cleaned_data["sector"], team_type=self.cleaned_data["team_type"]
        )
