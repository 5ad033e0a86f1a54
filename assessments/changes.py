"""Knowing when a round's reports go out of date. Anything a report of a round reads (its
assessments' statuses and submitted ratings, its actions and board paper, the round itself, the
partnership's teams, organisations and leads) marks the round changed: `Round.data_changed_at`
moves on, and once the change is committed `round_data_changed` is sent with the rounds' ids, for
whoever keeps rendered reports (the reports app renders them again).

The receivers below, connected in AssessmentsConfig.ready, catch every save and delete, the admin
site's included. An assessment counts only when its status changes: a draft's answers are in no
report, and a submitted one's cannot change until it is reopened (a status change)."""

from typing import Any

from django.db import transaction
from django.db.models import Model, Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal
from django.utils import timezone

from partnerships.models import Organisation, Partnership, PartnershipLead, Team

from .models import Action, Assessment, BoardPaper, Round

# Sent after the commit, with `round_ids`: the rounds whose reports are now out of date.
round_data_changed = Signal()


def rounds_changed(rounds: Q) -> None:
    """Marks the rounds matching `rounds` changed now, and tells receivers once committed."""
    ids = list(Round.objects.filter(rounds).values_list("pk", flat=True))
    if ids:
        Round.objects.filter(pk__in=ids).update(data_changed_at=timezone.now())
        transaction.on_commit(lambda: _committed(ids))


def announce_again(rounds: Q) -> None:
    """Tells receivers once more about the rounds matching `rounds`, with `dropped=True`: the
    tasks their earlier notices queued were dropped (the demo data is loaded with a task backend
    that drops them), so they act even where they think a task is on its way already."""
    ids = list(Round.objects.filter(rounds).values_list("pk", flat=True))
    if ids:
        transaction.on_commit(
            lambda: round_data_changed.send(sender=Round, round_ids=ids, dropped=True)
        )


def _committed(ids: list[int]) -> None:
    """Marks the rounds changed again after the commit: a report whose data was read while the
    change was not yet committed (so without it, but after the first mark) is out of date too."""
    Round.objects.filter(pk__in=ids).update(data_changed_at=timezone.now())
    round_data_changed.send(sender=Round, round_ids=ids)


def _assessment(instance: Assessment, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is None or "status" in update_fields:
        rounds_changed(Q(pk=instance.round_id))


def _board_paper(instance: BoardPaper, **kwargs: Any) -> None:
    rounds_changed(Q(pk=instance.round_id))


def _action(instance: Action, **kwargs: Any) -> None:
    """An action shows in its round and in the later rounds it may carry into."""
    opens = Round.objects.filter(pk=instance.round_id).values_list("opens_on", flat=True)
    rounds_changed(Q(partnership_id=instance.partnership_id, opens_on__gte=opens[:1]))


def _round(instance: Round, **kwargs: Any) -> None:
    rounds_changed(Q(pk=instance.pk))


def _partnership(instance: Model, **kwargs: Any) -> None:
    if isinstance(instance, Partnership):
        rounds_changed(Q(partnership_id=instance.pk))
    elif isinstance(instance, Team):
        of_team = Organisation.objects.filter(pk=instance.organisation_id)
        rounds_changed(Q(partnership__in=of_team.values("partnership_id")))
    elif isinstance(instance, Organisation | PartnershipLead):
        rounds_changed(Q(partnership_id=instance.partnership_id))


def _related(instance: Model, action: str, **kwargs: Any) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, Round):
        _round(instance)
    elif isinstance(instance, Action):
        _action(instance)


RECEIVERS: list[tuple[Any, type[Model]]] = [
    (_assessment, Assessment),
    (_board_paper, BoardPaper),
    (_action, Action),
    (_round, Round),
    (_partnership, Partnership),
    (_partnership, Organisation),
    (_partnership, Team),
    (_partnership, PartnershipLead),
]


def connect() -> None:
    for receiver, model in RECEIVERS:
        post_save.connect(receiver, sender=model, dispatch_uid=f"changed-{model.__name__}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"deleted-{model.__name__}")
    m2m_changed.connect(_related, sender=Round.left_out.through, dispatch_uid="changed-left-out")
    m2m_changed.connect(
        _related, sender=Action.organisations.through, dispatch_uid="changed-action-orgs"
    )
