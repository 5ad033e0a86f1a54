"""The one thing the reports app keeps: the latest rendered board paper of each round and
filter, so that a download is served at once when it is current (its data was read after the
round last changed, on the same day) and rendered in the background when it is not."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Round

# At most one render of a round's paper (per filter) starts in any minute: changes made in the
# meantime are rendered together when it is over (the debounce of reports.tasks).
RENDER_GAP = datetime.timedelta(minutes=1)


class ReportFile(models.Model):
    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="report_files", verbose_name=_("round")
    )
    # reports.Filters.slug: "" for every team, or "sector-…"/"team-type-…" (codes only).
    scope = models.CharField(max_length=80, blank=True, verbose_name=_("filter"))
    data_read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("data read at"))
    content = models.BinaryField(null=True, blank=True, verbose_name=_("content"))
    file_name = models.CharField(max_length=200, blank=True, verbose_name=_("file in storage"))
    # The debounce: a render is queued (at most one at a time) and started (at most once a
    # minute); each is claimed with a conditional update.
    render_queued_at = models.DateTimeField(null=True, blank=True)
    render_started_at = models.DateTimeField(null=True, blank=True)
    # When someone last asked for this paper: a filtered paper nobody has asked for lately is
    # not rendered again on every change (reports.tasks.KEPT_FRESH), only when next asked for.
    asked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last asked for"))

    class Meta:
        verbose_name = _("rendered report")
        verbose_name_plural = _("rendered reports")
        constraints = [
            models.UniqueConstraint(fields=["round", "scope"], name="one_report_file_per_scope")
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.scope or 'all'}"

    def is_current(self, round_: Round) -> bool:
        """Rendered from data read after the round last changed, and today (an action's being
        overdue, and a paper's being final, change with the date)."""
        read = self.data_read_at
        return (
            read is not None
            and read >= round_.data_changed_at
            and timezone.localdate(read) == timezone.localdate()
            and self.has_pdf
        )

    @property
    def has_pdf(self) -> bool:
        """Whether a paper is kept at all, current or not."""
        return self.content is not None or bool(self.file_name)

    def pdf(self) -> bytes:
        if self.file_name:
            with default_storage.open(self.file_name, "rb") as file:
                return bytes(file.read())
        return bytes(self.content or b"")

    def keep(self, pdf: bytes, *, data_read_at: datetime.datetime) -> bool:
        """Stores a render unless a newer one is stored already; returns whether it did."""
        old_name = self.file_name
        fields: dict[str, object] = {"data_read_at": data_read_at}
        if settings.REPORT_FILES == "storage":
            stamp = data_read_at.strftime("%Y%m%dT%H%M%S%f")
            name = f"reports/round-{self.round_id}/{self.scope or 'all'}-{stamp}.pdf"
            fields |= {"file_name": default_storage.save(name, ContentFile(pdf)), "content": None}
        else:
            fields |= {"content": pdf, "file_name": ""}
        stored = (
            ReportFile.objects.filter(pk=self.pk)
            .filter(models.Q(data_read_at=None) | models.Q(data_read_at__lt=data_read_at))
            .update(**fields)
        )
        if stored and old_name and old_name != fields.get("file_name"):
            default_storage.delete(old_name)
        elif not stored and fields.get("file_name"):
            default_storage.delete(str(fields["file_name"]))
        return bool(stored)
