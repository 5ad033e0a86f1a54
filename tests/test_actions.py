"""The partnership's action plan, as stored: each status change with its dated note, no lost
update when two leads change one action at once, and open actions carried into the next round of
the same checklist (matched by item code, so a new checklist version keeps them)."""

import datetime

import pytest
from django.utils import timezone

from assessments.models import Action, ActionConflictError, Round

from .conftest import World
from .helpers import make_checklist, make_user


def _action(world: World, round_: Round | None = None, **given: object) -> Action:
    values: dict[str, object] = {
        "partnership": world.partnership,
        "round": round_ or world.round,
        "item_code": "W01",
        "what": "Book the remaining staff on to the spring training",
        "owner_name": "Lee Lead",
    }
    return Action.objects.create(**(values | given))


def _next_round(world: World, *, checklist_name: str | None = None) -> Round:
    checklist = world.checklist
    if checklist_name is not None:
        checklist = make_checklist(name=checklist_name)
    opens = world.round.closes_on + datetime.timedelta(days=30)
    return Round.objects.create(
        partnership=world.partnership,
        checklist=checklist,
        name="Next round",
        opens_on=opens,
        closes_on=opens + datetime.timedelta(days=40),
    )


def test_each_status_change_keeps_its_dated_note_and_the_history(world: World) -> None:
    action = _action(world)
    assert action.change_status(
        status="in_progress", note="Twelve places booked", by=world.lead, version=0
    )
    assert action.change_status(status="done", note="All trained", by=world.lead, version=1)

    saved = Action.objects.get(pk=action.pk)
    assert (saved.status, saved.version) == ("done", 2)
    assert saved.closed_at is not None
    assert not saved.is_open
    updates = list(saved.updates.values_list("status", "note", "made_by"))
    assert updates == [
        ("in_progress", "Twelve places booked", world.lead.pk),
        ("done", "All trained", world.lead.pk),
    ]
    assert all(update.made_at is not None for update in saved.updates.all())
    assert saved.history.count() == 3  # made, then two changes
    saved.change_status(status="planned", note="The course was cancelled", by=world.lead, version=2)
    assert Action.objects.get(pk=action.pk).closed_at is None


def test_a_stale_change_is_a_conflict_and_writes_nothing(world: World) -> None:
    action = _action(world)
    colleague = make_user("co-lead@example.org")
    action.change_status(status="in_progress", note="Started", by=colleague, version=0)

    with pytest.raises(ActionConflictError) as raised:
        action.change_status(status="dropped", note="No budget", by=world.lead, version=0)
    assert raised.value.saved.status == "in_progress"
    saved = Action.objects.get(pk=action.pk)
    assert (saved.status, saved.version, saved.updates.count()) == ("in_progress", 1, 1)


def test_the_same_change_posted_twice_changes_nothing_the_second_time(world: World) -> None:
    action = _action(world)
    assert action.change_status(status="in_progress", note="Started", by=world.lead, version=0)
    assert not action.change_status(status="in_progress", note="Started", by=world.lead, version=0)
    assert Action.objects.get(pk=action.pk).updates.count() == 1


def test_open_actions_carry_into_the_next_round_and_closed_ones_stay_behind(
    world: World,
) -> None:
    _action(world, what="Open")
    done_before = _action(world, what="Done before the next round")
    done_before.change_status(status="done", note="", by=world.lead, version=0)
    next_round = _next_round(world)
    done_during = _action(world, what="Done during the next round")
    Action.objects.filter(pk=done_during.pk).update(
        status="done",
        closed_at=timezone.make_aware(
            datetime.datetime.combine(next_round.opens_on, datetime.time(12))
        ),
    )
    made_now = _action(world, next_round, what="Made in the next round", item_code="W02")
    _action(world, what="Elsewhere", partnership=world.other_partnership)

    carried = set(Action.objects.for_round(next_round).values_list("what", flat=True))
    assert carried == {"Open", "Done during the next round", made_now.what}
    assert set(Action.objects.for_round(world.round).values_list("what", flat=True)) == {
        "Open",
        "Done before the next round",
        "Done during the next round",
    }


def test_a_round_of_another_checklist_carries_nothing(world: World) -> None:
    _action(world)
    other = _next_round(world, checklist_name="Another checklist")
    assert not Action.objects.for_round(other).exists()


def test_only_the_partnerships_leads_reach_its_actions(world: World) -> None:
    action = _action(world)
    assert list(Action.objects.led_by(world.lead)) == [action]
    for user in (world.practitioner, world.outsider, world.staff, world.reader):
        assert not Action.objects.led_by(user).exists(), user.email


def test_an_open_action_past_its_due_date_is_overdue_and_a_done_one_is_not(
    world: World,
) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    action = _action(world, due_on=yesterday)  # a past date at creation is allowed
    assert action.is_overdue()
    action.change_status(status="done", note="", by=world.lead, version=0)
    assert not action.is_overdue()
