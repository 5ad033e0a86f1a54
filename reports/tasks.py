"""Board papers rendered in the background when a round's data changes, so that a download is
ready before anyone asks. Debounced: a change queues a render of each of the round's kept papers
(one per filter) unless one is queued already, to start at once, or a minute after the last
render started if that was less than a minute ago; changes made meanwhile are all in it. Each
render is claimed with a conditional update, so a task run twice renders once."""

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from assessments.models import Round

from . import pdf, reports
from .models import RENDER_GAP, ReportFile

LOST_AFTER = datetime.timedelta(minutes=10)
# A filtered paper is rendered again on change while someone has asked for it within this
# time; after that only when next asked for. (A lead looking through every filter once would
# otherwise have each change render a hundred papers nobody reads, ahead of the e-mails.)
KEPT_FRESH = datetime.timedelta(days=7)


def queue_renders(
    sender: Any = None, *, round_ids: list[int], dropped: bool = False, **kwargs: Any
) -> None:
    """Receives assessments.changes.round_data_changed: the rounds' papers for every team, and
    those for a filter someone asked for lately, are queued. After `dropped` tasks, the renders
    they claimed are queued again at once, rather than when they would count as lost."""
    if dropped:
        ReportFile.objects.filter(round_id__in=round_ids).update(render_queued_at=None)
    for round_id in round_ids:
        ReportFile.objects.get_or_create(round_id=round_id, scope="")
    wanted = Q(scope="") | Q(asked_at__gte=timezone.now() - KEPT_FRESH)
    for file in ReportFile.objects.filter(wanted, round_id__in=round_ids):
        queue(file)


def queue(file: ReportFile) -> None:
    now = timezone.now()
    # A render queued long ago and never started was lost (a worker down, a failed enqueue).
    free = Q(render_queued_at=None) | Q(render_queued_at__lt=now - LOST_AFTER)
    if not ReportFile.objects.filter(free, pk=file.pk).update(render_queued_at=now):
        return  # a render is queued already, and will read the data as it is then
    started = ReportFile.objects.values_list("render_started_at", flat=True).get(pk=file.pk)
    due = started + RENDER_GAP if started and started + RENDER_GAP > now else None
    transaction.on_commit(
        lambda: render_board_paper.using(run_after=due).enqueue(file.pk), robust=True
    )


@task()
def render_board_paper(file_id: int) -> bool:
    """Renders the paper if a render is queued for it and nobody has claimed it; returns
    whether it rendered."""
    queued = ReportFile.objects.filter(pk=file_id).values_list("render_queued_at", flat=True)
    queued_at = queued.first()
    if queued_at is None:
        return False
    now = timezone.now()
    claimed = ReportFile.objects.filter(pk=file_id, render_queued_at=queued_at).update(
        render_queued_at=None, render_started_at=now
    )
    if not claimed:
        return False
    render(ReportFile.objects.get(pk=file_id))
    return True


def render(file: ReportFile) -> bytes:
    """Reads the round's data now, renders its paper for the file's filter and keeps it (unless
    a newer one was kept meanwhile); returns the PDF."""
    round_ = Round.objects.select_related("partnership", "checklist").get(pk=file.round_id)
    data = reports.round_data(round=round_, filters=reports.Filters.from_key(file.scope))
    content = pdf.gap_report(data=data)
    file.keep(content, data_read_at=data.read_at)
    return content
