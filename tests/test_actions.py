"""The partnership's action plan, as stored: each status change with its dated note, no lost
update when two leads change one action at once, and open actions carried into the next round of
the same checklist (matched by item code, so a new checklist version keeps them)."""

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import Action, ActionConflictError, Assessment, Round

from .conftest import World
from .helpers import make_checklist, make_last_year, make_user, mark_submitted, sign_in


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


# The lead's pages.


def _posted(**given: str) -> dict[str, str]:
    values = {
        "what": "Book the remaining staff on to the spring training",
        "owner_name": "Sam Lee, training lead",
        "due_on_0": "31",
        "due_on_1": "3",
        "due_on_2": "2027",
        "measure": "No team rates W01 Red",
        "version": "0",
    }
    return values | given


def test_a_lead_adds_an_action_beside_what_the_teams_said_they_will_do_next(
    client: Client, world: World
) -> None:
    assessment = Assessment.start(team=world.team, round=world.round)
    assessment.ratings.filter(item__code="W01").update(rag="red", next_step="Ask for places")
    mark_submitted(assessment)
    draft = Assessment.start(team=world.other_team, round=world.round)
    draft.ratings.filter(item__code="W01").update(next_step="Not submitted, not shown")
    item = world.checklist.items.get(code="W01")
    url = reverse("assessments:action-new", args=[world.round.pk, item.pk])
    sign_in(client, world.lead)

    page = client.get(url).content.decode()
    assert "Ask for places" in page
    assert world.team.name in page
    assert "Not submitted, not shown" not in page

    organisation = world.team.organisation
    posted = _posted(organisations=str(organisation.pk), team_types="health_visiting")
    response = client.post(url, posted)
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.round, action.item_code, action.partnership) == (
        world.round,
        "W01",
        world.partnership,
    )
    assert (action.due_on, action.created_by) == (datetime.date(2027, 3, 31), world.lead)
    assert list(action.organisations.all()) == [organisation]
    assert action.team_types == ["health_visiting"]
    plan = client.get(reverse("assessments:action-plan", args=[world.round.pk])).content.decode()
    assert "Book the remaining staff" in plan
    assert "Planned" in plan


def test_an_action_due_in_the_past_is_kept_and_shown_as_overdue(
    client: Client, world: World
) -> None:
    item = world.checklist.items.get(code="W01")
    sign_in(client, world.lead)
    posted = _posted(due_on_0="1", due_on_1="1", due_on_2="2020")
    client.post(reverse("assessments:action-new", args=[world.round.pk, item.pk]), posted)
    plan = client.get(reverse("assessments:action-plan", args=[world.round.pk])).content.decode()
    assert "overdue" in plan


def test_an_action_refuses_what_a_lead_left_out_with_a_message_for_each(
    client: Client, world: World
) -> None:
    item = world.checklist.items.get(code="W01")
    sign_in(client, world.lead)
    posted = _posted(what="  ", owner_name="", due_on_0="31", due_on_1="2", due_on_2="2027")
    response = client.post(
        reverse("assessments:action-new", args=[world.round.pk, item.pk]), posted
    )
    page = response.content.decode()
    assert response.status_code == 200
    for message in ("Enter what will be done", "Enter who owns the action", "real due date"):
        assert message in page
    assert not Action.objects.exists()


def test_text_of_invisible_marks_only_counts_as_left_out(client: Client, world: World) -> None:
    item = world.checklist.items.get(code="W01")
    sign_in(client, world.lead)
    posted = _posted(what="\u200b\u200c\u200d\ufeff", owner_name=" \u200b\u00a0\u2060 ")
    response = client.post(
        reverse("assessments:action-new", args=[world.round.pk, item.pk]), posted
    )
    page = response.content.decode()
    for message in ("Enter what will be done", "Enter who owns the action"):
        assert message in page
    assert not Action.objects.exists()
    emoji = _posted(what="Celebrate with \U0001f469\u200d\U0001f467", owner_name="Sam Lee")
    client.post(reverse("assessments:action-new", args=[world.round.pk, item.pk]), emoji)
    assert Action.objects.get().what == "Celebrate with \U0001f469\u200d\U0001f467"


def test_an_item_of_another_checklist_is_not_found(client: Client, world: World) -> None:
    elsewhere = make_checklist(name="Another checklist").items.get(code="W01")
    sign_in(client, world.lead)
    url = reverse("assessments:action-new", args=[world.round.pk, elsewhere.pk])
    assert client.get(url).status_code == 404


def test_a_status_change_with_its_note_is_shown_in_the_history(
    client: Client, world: World
) -> None:
    action = _action(world)
    sign_in(client, world.lead)
    url = reverse("assessments:action", args=[action.pk])
    posted = {"status": "in_progress", "note": "Twelve places booked", "version": "0"}
    assert client.post(url, posted).status_code == 302
    page = client.get(url).content.decode()
    assert "Twelve places booked" in page
    assert "In progress" in page
    refused = client.post(url, {"status": "done", "note": "", "version": "1"}).content.decode()
    assert "Enter what has happened" in refused
    assert Action.objects.get(pk=action.pk).status == "in_progress"


def test_two_leads_editing_one_action_lose_nothing(client: Client, world: World) -> None:
    action = _action(world)
    url = reverse("assessments:action-edit", args=[action.pk])
    sign_in(client, world.lead)
    assert client.post(url, _posted(what="First lead's words")).status_code == 302

    stale = client.post(url, _posted(what="Second lead's words"))  # loaded at version 0
    page = stale.content.decode()
    assert "Someone changed this action" in page
    assert "First lead&#x27;s words" in page
    assert "Second lead&#x27;s words" in page
    assert Action.objects.get(pk=action.pk).what == "First lead's words"
    assert client.post(url, _posted(what="Second lead's words", version="1")).status_code == 302
    assert Action.objects.get(pk=action.pk).what == "Second lead's words"


def test_a_stale_status_change_is_refused_and_keeps_the_note(client: Client, world: World) -> None:
    action = _action(world)
    action.change_status(status="in_progress", note="Started", by=world.lead, version=0)
    sign_in(client, world.lead)
    posted = {"status": "dropped", "note": "No budget left", "version": "0"}
    page = client.post(reverse("assessments:action", args=[action.pk]), posted).content.decode()
    assert "changed this action" in page
    assert "No budget left" in page
    assert Action.objects.get(pk=action.pk).status == "in_progress"


def test_very_long_action_text_is_kept_whole(client: Client, world: World) -> None:
    item = world.checklist.items.get(code="W01")
    sign_in(client, world.lead)
    unbroken = "x" * 2000
    url = reverse("assessments:action-new", args=[world.round.pk, item.pk])
    assert client.post(url, _posted(what=unbroken)).status_code == 302
    assert Action.objects.get().what == unbroken
    assert client.post(url, _posted(what=unbroken + "y")).status_code == 200  # over the limit


def test_the_plan_shows_carried_actions_with_the_round_they_came_from(
    client: Client, world: World
) -> None:
    _action(world, what="Carried action")
    next_round = _next_round(world)
    sign_in(client, world.lead)
    page = client.get(reverse("assessments:action-plan", args=[next_round.pk])).content.decode()
    assert "Carried action" in page
    assert f"carried from {world.round.name}" in page


def test_the_action_plan_takes_a_fixed_number_of_queries_for_200_actions(
    client: Client, world: World, django_assert_max_num_queries: Any
) -> None:
    Action.objects.bulk_create(
        Action(
            partnership=world.partnership,
            round=world.round,
            item_code=f"W0{n % 3 + 1}",
            what=f"Action {n}",
            owner_name="Sam",
        )
        for n in range(200)
    )
    sign_in(client, world.lead)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("assessments:action-plan", args=[world.round.pk]))
    assert response.content.decode().count("Action 1") >= 100


def test_an_action_shows_its_items_results_before_and_after(client: Client, world: World) -> None:
    make_last_year(world.round, world.team, rag="red")  # the action's round: Red
    last_year = Round.objects.get(name="Last year")
    action = _action(world, last_year)
    now = Assessment.start(team=world.team, round=world.round)
    now.ratings.filter(item__code="W01").update(rag="green")
    mark_submitted(now)
    sign_in(client, world.lead)
    response = client.get(reverse("assessments:action", args=[action.pk]))
    results = [(r.name, counts) for r, counts in response.context["results"]]
    assert results == [
        ("Last year", [("red", 1), ("amber", 0), ("green", 0)]),
        (world.round.name, [("red", 0), ("amber", 0), ("green", 1)]),
    ]
