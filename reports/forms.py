from django import forms

from partnerships.models import Sector, TeamType

from . import reports


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
