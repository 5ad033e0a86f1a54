"""An assessment's history in words: who changed what, when, from what to what."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext, gettext_lazy

from checklists.models import Rag

from .models import Answer, Assessment, Rating

FIELDS = [
    ("rag", gettext_lazy("Rating")),
    ("evidence", gettext_lazy("What tells you this")),
    ("next_step", gettext_lazy("What next")),
]


@dataclass(frozen=True)
class Change:
    when: datetime.datetime
    who: str
    what: str
    old: str = ""
    new: str = ""


def _label(field: str, value: str) -> str:
    if field == "rag":
        return str(Rag(value).label)
    return value


def assessment_changes(assessment: Assessment) -> list[Change]:
    """Every recorded change to the assessment and its ratings, newest first."""
    changes: list[Change] = []
    records = (
        Rating.history.filter(assessment_id=assessment.pk)
        .select_related("history_user", "item")
        .order_by("id", "history_date", "history_id")
    )
    last: dict[int, Answer] = {}
    carried: dict[int, bool] = {}
    for record in records:
        before = last.get(record.id, Answer())
        after = Answer(rag=record.rag, evidence=record.evidence, next_step=record.next_step)
        last[record.id] = after
        who = str(record.history_user) if record.history_user else gettext("Not recorded")
        if carried.get(record.id) and not record.carried_forward and before == after:
            changes.append(
                Change(
                    when=record.history_date,
                    who=who,
                    what=gettext("%(code)s confirmed as carried forward from last round")
                    % {"code": record.item.code},
                )
            )
        carried[record.id] = record.carried_forward
        for field, label in FIELDS:
            old, new = getattr(before, field), getattr(after, field)
            if old != new:
                changes.append(
                    Change(
                        when=record.history_date,
                        who=who,
                        what=f"{record.item.code} {label.lower()}",
                        old=_label(field, old),
                        new=_label(field, new),
                    )
                )

    previous = None
    for record in assessment.history.select_related("history_user").order_by("history_date"):
        who = str(record.history_user) if record.history_user else gettext("Not recorded")
        if record.status == Assessment.Status.SUBMITTED and (
            previous is None or previous.status != record.status
        ):
            changes.append(Change(when=record.history_date, who=who, what=gettext("Submitted")))
        if record.reopened_at and (previous is None or previous.reopened_at != record.reopened_at):
            reason = record.reopened_reason
            changes.append(
                Change(when=record.history_date, who=who, what=gettext("Reopened"), new=reason)
            )
        previous = record
    return sorted(changes, key=lambda change: change.when, reverse=True)
