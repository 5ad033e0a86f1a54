"""An assessment's history in words: who changed what, when, from what to what."""

import datetime
from dataclasses import dataclass

from .models import Answer, Assessment, Rag, Rating

FIELDS = [("rag", "Rating"), ("evidence", "What tells you this"), ("next_step", "What next")]


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
    for record in records:
        before = last.get(record.id, Answer())
        after = Answer(rag=record.rag, evidence=record.evidence, next_step=record.next_step)
        last[record.id] = after
        who = str(record.history_user) if record.history_user else "Someone"
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

    previous_status = ""
    for record in assessment.history.select_related("history_user").order_by("history_date"):
        who = str(record.history_user) if record.history_user else "Someone"
        if record.status != previous_status and record.status == Assessment.Status.SUBMITTED:
            changes.append(Change(when=record.history_date, who=who, what="Submitted"))
        elif previous_status == Assessment.Status.SUBMITTED and record.status != previous_status:
            changes.append(
                Change(
                    when=record.history_date,
                    who=who,
                    what="Reopened",
                    new=record.reopened_reason,
                )
            )
        previous_status = record.status
    return sorted(changes, key=lambda change: change.when, reverse=True)
