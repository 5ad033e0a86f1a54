"""The admin site: every model's pages work for administrators and are closed to everyone else."""

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db.models import Model
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from accounts.models import User
from assessments import tasks
from assessments.models import Action, Assessment, Rating, Round
from checklists.models import Checklist, Item
from partnerships.models import Invitation

from .conftest import World
from .helpers import PASSWORD, form_data, make_checklist, make_user, posted_as_is, save_url, sign_in

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def every_model(client: Client, world: World) -> World:
    # A failed and a successful sign-in give django-axes' admin pages something to show.
    client.post(reverse("login"), {"username": "practitioner@example.org", "password": PASSWORD})
    client.logout()
    client.post(reverse("login"), {"username": "practitioner@example.org", "password": "wrong"})
    assessment = Assessment.objects.create(team=world.team, round=world.round)
    Rating.objects.create(
        assessment=assessment, item=world.checklist.items.get(code="W01"), rag="amber"
    )
    from django.contrib.auth.models import Group

    Group.objects.create(name="Checklist editors")
    Invitation.objects.create(
        partnership=world.partnership, team=world.team, email="new@example.org"
    )
    action = Action.objects.create(
        partnership=world.partnership,
        round=world.round,
        item_code="W01",
        what="Train",
        owner_name="Lee",
    )
    action.change_status(status="in_progress", note="Started", by=world.lead, version=0)
    # A task waiting in the database (no worker runs here), for the background tasks' pages.
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        tasks.tell_team_submitted.enqueue(assessment.pk, "2026-11-30T10:00:00+00:00")
    return world


def _urls(model: type[Model]) -> list[str]:
    opts = model._meta
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"no {opts.label} to open"
    prefix = f"admin:{opts.app_label}_{opts.model_name}"
    urls = [
        reverse(f"{prefix}_changelist"),
        reverse(f"{prefix}_change", args=[obj.pk]),
        reverse(f"{prefix}_history", args=[obj.pk]),
    ]
    superuser_request = RequestFactory().get("/")
    superuser_request.user = User(is_staff=True, is_superuser=True, is_active=True)
    if admin.site._registry[model].has_add_permission(superuser_request):
        urls.append(reverse(f"{prefix}_add"))
    return urls


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_administrators_can_open_every_admin_page(
    client: Client, every_model: World, model: type[Model]
) -> None:
    sign_in(client, every_model.staff)
    for url in _urls(model):
        response = client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_people_who_are_not_administrators_are_kept_out(
    client: Client, every_model: World, model: type[Model]
) -> None:
    staff_without_rights = make_user("helper@example.org", is_staff=True)
    for user in (None, every_model.practitioner, every_model.lead, staff_without_rights):
        client.logout()
        if user is not None:
            sign_in(client, user)
        for url in _urls(model):
            response = client.get(url)
            if user is None or not user.is_staff:
                assert response.status_code == 302, url
                assert response["Location"].startswith(reverse("admin:login")), url
            else:
                assert response.status_code == 403, url


def test_the_admin_sign_in_page_sends_people_to_the_services_own(
    client: Client, world: World
) -> None:
    # Django's admin sign-in would take a password alone: it is not offered, for a GET or a POST.
    for response in (
        client.get(reverse("admin:login")),
        client.post(
            reverse("admin:login"), {"username": "admin@example.org", "password": PASSWORD}
        ),
    ):
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={reverse('admin:index')}"
    assert client.get(reverse("admin:index")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_saving_a_published_item_in_admin_is_refused_with_a_message(
    client: Client, world: World
) -> None:
    sign_in(client, world.staff)
    item = world.checklist.items.get(code="W01")
    url = reverse("admin:checklists_item_change", args=[item.pk])

    page = client.get(url)
    assert "cannot be changed" in page.text
    assert 'name="statement"' not in page.text  # shown read-only

    response = client.post(
        url,
        {"checklist": world.checklist.pk, "code": "W01", "statement": "Sneaky edit", "order": 1},
        follow=True,
    )
    assert "Your changes were not saved" in response.text
    item.refresh_from_db()
    assert item.statement == "Statement 1"


def test_saving_a_published_checklist_with_its_inlines_is_refused(
    client: Client, world: World
) -> None:
    sign_in(client, world.staff)
    url = reverse("admin:checklists_checklist_change", args=[world.checklist.pk])
    response = client.post(url, {"name": "Renamed", "version": 1}, follow=True)
    assert "Your changes were not saved" in response.text
    world.checklist.refresh_from_db()
    assert world.checklist.name == "Workforce checklist"


def test_create_a_new_draft_version_button_gives_an_editable_copy(
    client: Client, world: World
) -> None:
    sign_in(client, world.staff)
    change_url = reverse("admin:checklists_checklist_change", args=[world.checklist.pk])
    assert "Create a new draft version" in client.get(change_url).text

    response = client.post(
        reverse("admin:checklists_checklist_new_version", args=[world.checklist.pk]), follow=True
    )
    draft = Checklist.objects.get(name=world.checklist.name, version=2)
    assert response.redirect_chain[-1][0] == reverse(
        "admin:checklists_checklist_change", args=[draft.pk]
    )
    assert f"Created {draft}" in response.text
    assert draft.items.count() == 3

    item = draft.items.get(code="W02")
    item_url = reverse("admin:checklists_item_change", args=[item.pk])
    assert 'name="statement"' in client.get(item_url).text
    client.post(
        item_url,
        {
            "checklist": draft.pk,
            "code": "W02",
            "statement": "Better wording",
            "guidance": "",
            "red_descriptor": "r",
            "amber_descriptor": "a",
            "green_descriptor": "g",
            "order": 2,
        },
    )
    assert Item.objects.get(pk=item.pk).statement == "Better wording"
    assert world.checklist.items.get(code="W02").statement == "Statement 2"


def test_the_new_version_action_and_publish_action_report_problems(
    client: Client, world: World
) -> None:
    sign_in(client, world.staff)
    changelist = reverse("admin:checklists_checklist_changelist")
    client.post(
        changelist, {"action": "create_new_version", "_selected_action": [world.checklist.pk]}
    )
    draft = Checklist.objects.get(version=2)
    draft.items.filter(code="W03").update(green_descriptor="")

    response = client.post(
        changelist, {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    assert "was not published" in response.text
    assert "Item W03 has no Green description" in response.text
    draft.refresh_from_db()
    assert draft.status == Checklist.Status.DRAFT


def test_assessment_history_is_visible_in_admin(client: Client, world: World) -> None:
    assessment = Assessment.objects.create(team=world.team, round=world.round)
    assessment.status = Assessment.Status.IN_PROGRESS
    assessment.save()
    sign_in(client, world.staff)
    response = client.get(reverse("admin:assessments_assessment_history", args=[assessment.pk]))
    assert response.status_code == 200
    assert "not_started" in response.text
    assert "in_progress" in response.text


def _change_form(user: User, **changes: object) -> dict[str, object]:
    """What the admin's change form for a person posts, with some fields changed."""
    data: dict[str, object] = {
        "email": user.email,
        "full_name": user.full_name,
        "is_active": "on",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "partnership_roles-TOTAL_FORMS": "0",
        "partnership_roles-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_an_accounts_administrator_cannot_make_themselves_a_superuser(
    client: Client, world: World
) -> None:
    me = world.user_admin
    group = Group.objects.create(name="Everything")
    group.permissions.set(Permission.objects.all())
    sign_in(client, me)
    url = reverse("admin:accounts_user_change", args=[me.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.text  # shown, not editable
    changes = _change_form(
        me,
        full_name="Promoted",
        is_staff="on",
        is_superuser="on",
        groups=[group.pk],
        user_permissions=list(Permission.objects.values_list("pk", flat=True)),
    )
    assert client.post(url, changes).status_code == 302
    me.refresh_from_db()
    assert me.full_name == "Promoted"  # the rest of the form still saves
    assert not me.is_superuser
    assert not me.groups.exists()
    assert set(me.user_permissions.values_list("codename", flat=True)) == {
        "view_user",
        "change_user",
    }


def test_an_accounts_administrator_cannot_give_anyone_privileges(
    client: Client, world: World
) -> None:
    sign_in(client, world.user_admin)
    other = world.practitioner
    url = reverse("admin:accounts_user_change", args=[other.pk])
    client.post(url, _change_form(other, is_staff="on", is_superuser="on"))
    other.refresh_from_db()
    assert not other.is_staff
    assert not other.is_superuser


def test_nobody_but_a_superuser_changes_a_superusers_account_or_password(
    client: Client, world: World
) -> None:
    sign_in(client, world.user_admin)
    superuser = world.staff
    change = reverse("admin:accounts_user_change", args=[superuser.pk])
    password = reverse("admin:auth_user_password_change", args=[superuser.pk])
    assert client.post(change, _change_form(superuser, full_name="Mallory")).status_code == 403
    new_password = {"password1": "taken-over-42-xyz", "password2": "taken-over-42-xyz"}
    assert client.post(password, new_password).status_code == 403
    superuser.refresh_from_db()
    assert superuser.full_name != "Mallory"
    assert superuser.check_password(PASSWORD)


def test_nobody_adds_their_own_team_or_partnership_role(client: Client, world: World) -> None:
    me = world.user_admin
    me.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_partnershiplead", "add_teammembership"])
    )
    sign_in(client, me)
    url = reverse("admin:accounts_user_change", args=[me.pk])
    changes = _change_form(
        me,
        **{
            "partnership_roles-TOTAL_FORMS": "1",
            "partnership_roles-0-partnership": world.partnership.pk,
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-team": world.team.pk,
        },
    )
    client.post(url, changes)
    assert not me.partnership_roles.exists()
    assert not me.memberships.exists()
    # The same administrator may still make someone else a lead: that is their job.
    other = world.practitioner
    other_url = reverse("admin:accounts_user_change", args=[other.pk])
    other_changes = _change_form(
        other,
        **{
            "partnership_roles-TOTAL_FORMS": "1",
            "partnership_roles-0-partnership": world.partnership.pk,
        },
    )
    assert client.post(other_url, other_changes).status_code == 302
    assert other.partnership_roles.filter(partnership=world.partnership).exists()


def test_only_superusers_change_what_a_group_may_do(client: Client, world: World) -> None:
    group = Group.objects.create(name="Readers")
    me = world.user_admin
    me.groups.add(group)
    me.user_permissions.add(*Permission.objects.filter(codename__in=["change_group", "view_group"]))
    sign_in(client, me)
    url = reverse("admin:auth_group_change", args=[group.pk])
    everything = list(Permission.objects.values_list("pk", flat=True))
    assert client.post(url, {"name": "Readers", "permissions": everything}).status_code == 403
    assert not group.permissions.exists()


def test_a_person_named_in_ratings_or_history_is_deactivated_never_deleted(
    client: Client, world: World
) -> None:
    assessment = Assessment.start(team=world.team, round=world.round)
    sign_in(client, world.practitioner)
    data = form_data(assessment, {"W01": ("red", "None trained", "")})
    client.post(save_url(assessment), data)
    sign_in(client, world.staff)
    delete = reverse("admin:accounts_user_delete", args=[world.practitioner.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=world.practitioner.pk).exists()
    changelist = client.get(reverse("admin:accounts_user_changelist")).text
    assert 'value="delete_selected"' not in changelist  # no bulk route around the check
    # Someone who never rated anything can be deleted.
    newcomer = make_user("newcomer@example.org")
    delete = reverse("admin:accounts_user_delete", args=[newcomer.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=newcomer.pk).exists()


def test_rounds_of_one_checklist_cannot_overlap_and_the_admin_says_why(
    client: Client, world: World
) -> None:
    sign_in(client, world.staff)
    existing = world.round
    other_checklist = make_checklist(name="Speech and language checklist")

    def add(name: str, opens: object, closes: object, checklist: Checklist) -> str:
        response = client.post(
            reverse("admin:assessments_round_add"),
            {
                "partnership": world.partnership.pk,
                "checklist": checklist.pk,
                "name": name,
                "opens_on": str(opens),
                "closes_on": str(closes),
            },
        )
        return response.text if response.status_code == 200 else ""

    page = add(
        "Overlap", existing.closes_on, existing.closes_on + timedelta(days=30), world.checklist
    )
    assert f"{existing.name} already runs from" in page
    assert "Rounds of one checklist must not overlap" in page
    assert not Round.objects.filter(name="Overlap").exists()
    # The day after it closes is fine, and so is another checklist on the same dates.
    day_after = existing.closes_on + timedelta(days=1)
    assert add("Next", day_after, day_after + timedelta(days=30), world.checklist) == ""
    assert add("Speech", existing.opens_on, existing.closes_on, other_checklist) == ""
    assert Round.objects.filter(name__in=["Next", "Speech"]).count() == 2


def test_save_and_publish_keeps_the_edits_and_retires_the_version_in_use(
    client: Client, world: World
) -> None:
    sign_in(client, world.staff)
    draft = world.checklist.new_draft_version()
    url = reverse("admin:checklists_checklist_change", args=[draft.pk])
    page = client.get(url).text
    assert 'name="_publish"' in page
    data = posted_as_is(page)
    data["introduction"] = "Edited just before publishing"
    data["items-0-statement"] = "Reworded just before publishing"
    response = client.post(url, {**data, "_publish": "Save and publish"}, follow=True)
    assert f"Published {Checklist.objects.get(pk=draft.pk)}" in response.text
    draft.refresh_from_db()
    assert draft.status == Checklist.Status.PUBLISHED
    assert draft.introduction == "Edited just before publishing"
    assert draft.items.filter(statement="Reworded just before publishing").exists()
    world.checklist.refresh_from_db()
    assert world.checklist.status == Checklist.Status.RETIRED
    world.round.refresh_from_db()
    assert world.round.checklist_id == world.checklist.pk  # the running round keeps its version


def test_save_and_publish_with_a_mistake_publishes_nothing(client: Client, world: World) -> None:
    sign_in(client, world.staff)
    draft = world.checklist.new_draft_version()
    url = reverse("admin:checklists_checklist_change", args=[draft.pk])
    data = posted_as_is(client.get(url).text)
    data["name"] = ""
    response = client.post(url, {**data, "_publish": "Save and publish"})
    assert response.status_code == 200
    assert "This field is required" in response.text
    draft.refresh_from_db()
    assert draft.status == Checklist.Status.DRAFT


def test_the_admin_change_password_link_opens_the_services_own_page(
    client: Client, world: World
) -> None:
    sign_in(client, world.staff)
    response = client.get(reverse("admin:password_change"))
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")
    page = client.get(response["Location"]).text
    assert re.search(r'<button name="submit"[^>]*class="govuk-button"[^>]*>Change password', page)


def test_admin_pages_carry_the_services_icon(client: Client, world: World) -> None:
    sign_in(client, world.staff)
    assert "images/favicon.svg" in client.get(reverse("admin:index")).text
