from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # Rendered papers go out of date when their round's data changes: render them again.
        from assessments.changes import round_data_changed  # noqa: PLC0415 (apps are ready now)

        from .tasks import queue_renders  # noqa: PLC0415

        round_data_changed.connect(queue_renders, dispatch_uid="reports-render-on-change")
