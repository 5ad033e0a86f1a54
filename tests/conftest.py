from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from accounts.models import User
from assessments.models import Round
from checklists.models import Checklist
from partnerships.models import Partnership, Team, TeamType

from .helpers import (
    add_lead,
    add_member,
    make_checklist,
    make_partnership,
    make_round,
    make_team,
    make_user,
    sign_in,
)
from .task_backend import ImmediateUnlessLater


@dataclass
class World:
    """Two partnerships, so every test can check that nothing leaks across them."""

    partnership: Partnership
    team: Team
    other_team: Team
    checklist: Checklist
    round: Round
    practitioner: User
    lead: User
    staff: User
    staff_without_rights: User
    user_admin: User
    reader: User
    other_partnership: Partnership
    outsider_team: Team
    outsider_round: Round
    outsider: User


@pytest.fixture
def world(db: None) -> World:
    partnership = make_partnership()
    team = make_team(partnership)
    other_team = make_team(partnership, "Community Midwifery", team_type=TeamType.MIDWIFERY)
    checklist = make_checklist()
    round_ = make_round(partnership, checklist)
    practitioner = make_user("practitioner@example.org", full_name="Pat Practitioner")
    add_member(practitioner, team)
    lead = make_user("lead@example.org")
    add_lead(lead, partnership)
    staff = make_user("admin@example.org", is_staff=True, is_superuser=True)
    # Staff only opens the admin site; reading results takes membership, leadership or the
    # explicit permission, which the reader has.
    staff_without_rights = make_user("helpdesk@example.org", is_staff=True)
    # Looks after accounts in the admin site, and nothing else.
    user_admin = make_user("accounts-admin@example.org", is_staff=True)
    user_admin.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="accounts", codename__in=["view_user", "change_user"]
        )
    )
    reader = make_user("national-reader@example.org")
    reader.user_permissions.add(
        Permission.objects.get(
            codename="view_every_partnership", content_type__app_label="partnerships"
        )
    )

    other_partnership = make_partnership("Southvale Partnership")
    outsider_team = make_team(
        other_partnership, "Southvale Health Visiting", organisation="Southvale NHS"
    )
    outsider_round = make_round(other_partnership, checklist, name="Southvale 2026")
    outsider = make_user("outsider@example.org")
    add_member(outsider, outsider_team)
    return World(
        partnership=partnership,
        team=team,
        other_team=other_team,
        checklist=checklist,
        round=round_,
        practitioner=practitioner,
        lead=lead,
        staff=staff,
        staff_without_rights=staff_without_rights,
        user_admin=user_admin,
        reader=reader,
        other_partnership=other_partnership,
        outsider_team=outsider_team,
        outsider_round=outsider_round,
        outsider=outsider,
    )


@pytest.fixture
def lead(client: Client, world: World) -> Client:
    """The test client, signed in as the world's partnership lead."""
    sign_in(client, world.lead)
    return client


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings: pytest.FixtureRequest) -> None:
    # Background tasks run as they are queued, so a test sees their e-mails in mail.outbox;
    # those queued for later wait (tests/task_backend.py).
    settings.TASKS = {"default": {"BACKEND": "tests.task_backend.ImmediateUnlessLater"}}  # type: ignore[attr-defined]
    ImmediateUnlessLater.waiting.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    # The real hasher is slow on purpose; tests sign many people in.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
