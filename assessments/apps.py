from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Workforce self-assessment")

    def ready(self) -> None:
        from . import changes  # noqa: PLC0415 (models are ready only now)

        changes.connect()
