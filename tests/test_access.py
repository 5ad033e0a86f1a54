"""Tenant isolation: every route that takes an identifier answers 404 to people outside its scope.

The walk below finds every URL pattern with a parameter, whatever kind of object it names
(an assessment, a round, a team in a round, and whatever later routes add). A new route without a
case here fails `test_every_route_with_an_identifier_has_an_access_case`, so isolation cannot be
forgotten. A case says how to make the route's URL from its object, and who must and must not
reach which objects.
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import User
from assessments.models import (
    Action,
    ActionUpdate,
    Assessment,
    BoardPaper,
    Rating,
    Reminder,
    Round,
)
from partnerships import imports
from partnerships.models import Invitation, Partnership, PeopleImport, Team, TeamMembership

from .conftest import World
from .helpers import rate_all, sign_in

# Routes with identifiers that are protected another way, and where that is tested.
EXEMPT = {
    "admin:*": "staff only; every admin page is checked in test_admin.py",
    "password_reset_confirm": "protected by a signed one-time token; tested in test_auth.py",
    "partnerships:accept": "protected by a single-use token; tested in test_invitations.py",
}


@dataclass(frozen=True)
class TeamInRound:
    """What the start route names: a team, and the round it would start in."""

    team_id: int
    round_id: int


@dataclass
class Case:
    """Who must get a 404 for which objects, and who must not (so the 404 means something)."""

    kwargs: Callable[[Any], dict[str, int]]
    denied: Callable[[World], list[tuple[User, Any]]]
    allowed: Callable[[World], list[tuple[User, Any]]]


def _names(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def _routes_with_identifiers() -> list[str]:
    names = []
    for name, pattern in _names(get_resolver().url_patterns):
        if name.startswith("admin:"):
            continue
        if (
            pattern.pattern.converters
            or getattr(pattern.pattern, "regex", None)
            and "(?P<" in str(pattern.pattern)
        ):
            names.append(name)
    return sorted(set(names))


def _by_pk(assessment: Assessment) -> dict[str, int]:
    return {"pk": assessment.pk}


def _by_section(assessment: Assessment) -> dict[str, int]:
    section = assessment.round.checklist.sections.order_by("order", "pk").first()
    assert section is not None
    return {"pk": assessment.pk, "section": section.pk}


def _team_and_round(target: Assessment | TeamInRound) -> dict[str, int]:
    return {"team_id": target.team_id, "round_id": target.round_id}


def _members_only(world: World) -> list[tuple[User, Assessment]]:
    return [
        (world.practitioner, _other_team(world)),
        (world.practitioner, _outsider(world)),
        (world.lead, _mine(world)),  # leads look, they do not change
        (world.lead, _outsider(world)),
        (world.outsider, _mine(world)),
        (world.staff, _mine(world)),
        (world.staff_without_rights, _mine(world)),
        (world.user_admin, _mine(world)),
        (world.reader, _mine(world)),  # reads results, changes nothing
    ]


def _visible(world: World) -> list[tuple[User, Assessment]]:
    return [
        (world.practitioner, _other_team(world)),
        (world.practitioner, _outsider(world)),
        (world.lead, _outsider(world)),
        (world.outsider, _mine(world)),
        (world.staff_without_rights, _mine(world)),
        (world.user_admin, _mine(world)),
    ]


def _readers(world: World) -> list[tuple[User, Assessment]]:
    """Who may read an assessment: its members, its lead, and holders of the permission to read
    every partnership (a superuser holds every permission)."""
    return [
        (world.practitioner, _mine(world)),
        (world.lead, _mine(world)),
        (world.reader, _outsider(world)),
        (world.staff, _outsider(world)),
    ]


def _leads_only(world: World) -> list[tuple[User, Assessment]]:
    return [
        (world.practitioner, _mine(world)),
        (world.lead, _outsider(world)),
        (world.outsider, _mine(world)),
        (world.staff, _mine(world)),
        (world.staff_without_rights, _mine(world)),
        (world.reader, _mine(world)),
    ]


def _mine(world: World) -> Assessment:
    return Assessment.objects.get(team=world.team)


def _other_team(world: World) -> Assessment:
    return Assessment.objects.get(team=world.other_team)


def _outsider(world: World) -> Assessment:
    return Assessment.objects.get(team=world.outsider_team)


def _member(world: World) -> list[tuple[User, Assessment]]:
    return [(world.practitioner, _mine(world))]


def _round(round_: Round) -> dict[str, int]:
    return {"round_id": round_.pk}


def _not_leads(world: World) -> list[tuple[User, Round]]:
    return [
        (world.practitioner, world.round),  # a member, not a lead
        (world.lead, world.outsider_round),
        (world.outsider, world.round),
        (world.staff_without_rights, world.round),  # the admin site is not the results
        (world.staff_without_rights, world.outsider_round),
        (world.user_admin, world.round),
    ]


def _leads_and_readers(world: World) -> list[tuple[User, Round]]:
    return [
        (world.lead, world.round),
        (world.staff, world.outsider_round),  # a superuser holds every permission
        (world.reader, world.round),
        (world.reader, world.outsider_round),
    ]


def _teams_in_rounds_not_theirs(world: World) -> list[tuple[User, TeamInRound]]:
    """Starting takes membership of the team, and a round of the team's own partnership."""
    mine, other = world.team.pk, world.other_team.pk
    return [
        (world.practitioner, TeamInRound(other, world.round.pk)),
        (world.practitioner, TeamInRound(world.outsider_team.pk, world.outsider_round.pk)),
        (world.practitioner, TeamInRound(mine, world.outsider_round.pk)),  # not its partnership
        (world.lead, TeamInRound(mine, world.round.pk)),
        (world.outsider, TeamInRound(mine, world.round.pk)),
        (world.staff, TeamInRound(mine, world.round.pk)),
        (world.staff_without_rights, TeamInRound(mine, world.round.pk)),
        (world.user_admin, TeamInRound(mine, world.round.pk)),
        (world.reader, TeamInRound(mine, world.round.pk)),
    ]


def _partnership(partnership: Partnership) -> dict[str, int]:
    return {"partnership_id": partnership.pk}


def _not_its_leads(world: World) -> list[tuple[User, Partnership]]:
    """Managing a partnership takes leading it: nobody else, administrators and readers of
    every partnership included."""
    return [
        (world.practitioner, world.partnership),
        (world.lead, world.other_partnership),
        (world.outsider, world.partnership),
        (world.staff, world.partnership),
        (world.staff_without_rights, world.partnership),
        (world.user_admin, world.partnership),
        (world.reader, world.partnership),
    ]


def _its_lead(world: World) -> list[tuple[User, Partnership]]:
    return [(world.lead, world.partnership)]


def _invitation(invitation: Invitation) -> dict[str, int]:
    return {"pk": invitation.pk}


def _invitations_not_theirs(world: World) -> list[tuple[User, Invitation]]:
    return [(user, _invitation_in(p)) for user, p in _not_its_leads(world)]


def _invitation_in(partnership: Partnership) -> Invitation:
    return Invitation.objects.get(partnership=partnership)


def _teams_not_theirs(world: World) -> list[tuple[User, Team]]:
    return [
        (world.practitioner, world.other_team),
        (world.practitioner, world.outsider_team),
        (world.lead, world.team),  # leads look; a team's own page is its members'
        (world.outsider, world.team),
        (world.staff, world.team),
        (world.reader, world.team),
    ]


def _not_running(world: World) -> list[tuple[User, Round]]:
    return [*_not_leads(world), (world.reader, world.round), (world.staff, world.round)]


REPORT_CASE = Case(_round, _not_leads, _leads_and_readers)
# Running a round takes leading its partnership: reading every partnership's results does not.
RUNNING_CASE = Case(
    _round,
    _not_running,
    lambda w: [(w.lead, w.round)],
)
PARTNERSHIP_CASE = Case(_partnership, _not_its_leads, _its_lead)


def _item_in(round_: Round) -> dict[str, int]:
    return {"round_id": round_.pk, "item_id": round_.checklist.items.get(code="W01").pk}


def _action_in(round_: Round) -> Action:
    return Action.objects.get(round=round_)


# An action plan is the partnership's own: kept by its leads, for readers only in its reports.
ACTION_CASE = Case(
    lambda action: {"action_id": action.pk},
    lambda w: [(user, _action_in(round_)) for user, round_ in _not_running(w)],
    lambda w: [(w.lead, _action_in(w.round))],
)


def _upload_in(partnership: Partnership) -> PeopleImport:
    return PeopleImport.objects.get(partnership=partnership)


IMPORT_CASE = Case(
    lambda upload: {"pk": upload.pk},
    lambda w: [(user, _upload_in(p)) for user, p in _not_its_leads(w)],
    lambda w: [(w.lead, _upload_in(w.partnership))],
)
INVITATION_CASE = Case(
    _invitation,
    _invitations_not_theirs,
    lambda w: [(w.lead, _invitation_in(w.partnership))],
)

CASES: dict[str, Case] = {
    "reports:dashboard": REPORT_CASE,
    "reports:gap-report": REPORT_CASE,
    "reports:ratings-csv": REPORT_CASE,
    "reports:ratings-xlsx": REPORT_CASE,
    "reports:summary-export": REPORT_CASE,
    "reports:workbook": REPORT_CASE,
    "reports:team-report": Case(
        _by_pk,
        lambda w: [
            (w.practitioner, _other_team(w)),
            (w.practitioner, _outsider(w)),
            (w.lead, _outsider(w)),
            (w.outsider, _mine(w)),
            (w.staff_without_rights, _mine(w)),
            (w.user_admin, _mine(w)),
        ],
        lambda w: [
            (w.practitioner, _mine(w)),
            (w.lead, _mine(w)),
            (w.staff, _outsider(w)),
            (w.reader, _outsider(w)),
        ],
    ),
    "assessments:start": Case(
        _team_and_round,
        _teams_in_rounds_not_theirs,
        lambda w: [(w.practitioner, TeamInRound(w.team.pk, w.round.pk))],
    ),
    "assessments:edit": Case(_by_pk, _visible, _readers),
    # Reading a section is reading the assessment; saving one takes membership (below).
    "assessments:section": Case(_by_section, _visible, _readers),
    "assessments:copy-previous": Case(_by_pk, _members_only, _member),
    "assessments:check": Case(_by_pk, _members_only, _member),
    "assessments:submit": Case(_by_pk, _members_only, _member),
    "assessments:submitted": Case(_by_pk, _members_only, _member),
    "assessments:reopen": Case(_by_pk, _leads_only, lambda w: [(w.lead, _mine(w))]),
    "assessments:history": Case(_by_pk, _visible, _readers),
    "assessments:team": Case(
        lambda team: {"team_id": team.pk},
        _teams_not_theirs,
        lambda w: [(w.practitioner, w.team)],
    ),
    "assessments:rounds": PARTNERSHIP_CASE,
    "assessments:round-new": PARTNERSHIP_CASE,
    "assessments:round-dates": RUNNING_CASE,
    "assessments:round-close": RUNNING_CASE,
    "assessments:reminders": RUNNING_CASE,
    "assessments:remind-now": RUNNING_CASE,
    "assessments:reminder-remove": Case(
        lambda reminder: {"reminder_id": reminder.pk},
        lambda w: [(user, Reminder.objects.get(round=round_)) for user, round_ in _not_running(w)],
        lambda w: [(w.lead, Reminder.objects.get(round=w.round))],
    ),
    "assessments:action-plan": RUNNING_CASE,
    "assessments:board-paper": RUNNING_CASE,
    "assessments:action-new": Case(_item_in, _not_running, lambda w: [(w.lead, w.round)]),
    "assessments:action": ACTION_CASE,
    "assessments:action-edit": ACTION_CASE,
    "assessments:team-round": Case(
        _team_and_round,
        _teams_in_rounds_not_theirs,
        lambda w: [(w.practitioner, TeamInRound(w.team.pk, w.round.pk))],
    ),
    "partnerships:invitations": PARTNERSHIP_CASE,
    "partnerships:invite": PARTNERSHIP_CASE,
    "partnerships:resend": INVITATION_CASE,
    "partnerships:import-people": PARTNERSHIP_CASE,
    "partnerships:import-preview": IMPORT_CASE,
    "partnerships:import-confirm": IMPORT_CASE,
    "partnerships:withdraw": INVITATION_CASE,
}


def _round_dates(world: World) -> dict[str, Any]:
    """A new round's name, checklist and dates, and new dates for a round: what a lead posts."""
    later = timezone.localdate() + datetime.timedelta(days=400)
    dates: dict[str, Any] = {"name": "Intruder's round", "checklist": str(world.checklist.pk)}
    dates["teams"] = [str(world.team.pk), str(world.other_team.pk)]
    for field, day in [("opens_on", later), ("closes_on", later + datetime.timedelta(days=30))]:
        dates |= {f"{field}_0": str(day.day), f"{field}_1": str(day.month)}
        dates[f"{field}_2"] = str(day.year)
    dates |= {"due_on_0": "1", "due_on_1": "2", "due_on_2": "2027", "what": "Intrude"}
    dates |= {"owner_name": "Intruder", "status": "done", "note": "Done by an intruder"}
    return dates | {"asks": "Intruder's asks", "step": "draft"}


@pytest.fixture
def started(world: World) -> World:
    for team, round_ in [
        (world.team, world.round),
        (world.other_team, world.round),
        (world.outsider_team, world.outsider_round),
    ]:
        assessment = Assessment.start(team=team, round=round_)
        assessment.ratings.filter(item__code="W01").update(rag="amber", evidence="Before")
    for round_ in (world.round, world.outsider_round):
        Reminder.objects.create(round=round_, kind=Reminder.Kind.REMINDER, days_before=5)
        BoardPaper.objects.create(round=round_, asks="Fund training", final_at=timezone.now())
    for round_ in (world.round, world.outsider_round):
        Action.objects.create(
            partnership=round_.partnership,
            round=round_,
            item_code="W01",
            what="Train",
            owner_name="Sam",
        )
    for partnership, team in [
        (world.partnership, world.team),
        (world.other_partnership, world.outsider_team),
    ]:
        Invitation.objects.create(partnership=partnership, team=team, email="new@example.org")
        row = {
            "row": 2,
            "organisation": team.organisation.name,
            "sector": team.organisation.sector,
            "team": team.name,
            "team_type": team.team_type,
            "headcount": None,
            "full_name": "",
            "email": "imported@example.org",
            "role": "member",
        }
        rows = [imports.Row(**row)]  # type: ignore[arg-type]
        PeopleImport.objects.create(
            partnership=partnership,
            uploaded_by=world.staff,
            rows=[row],
            fingerprint=imports.plan(partnership, rows).fingerprint(),
        )
    return world


def _snapshot() -> list[Any]:
    return [
        list(Invitation.objects.order_by("pk").values_list("pk", "sends", "withdrawn_at", "email")),
        list(TeamMembership.objects.order_by("pk").values_list("pk", "user", "team")),
        list(Team.objects.order_by("pk").values_list("pk", "name")),
        list(Round.objects.order_by("pk").values_list("pk", "name", "opens_on", "closes_on")),
        list(Reminder.objects.order_by("pk").values_list("pk", "days_before", "send_on")),
        list(Assessment.objects.order_by("pk").values_list("pk", "status", "version")),
        list(Rating.objects.order_by("pk").values_list("pk", "rag", "evidence", "next_step")),
        list(Action.objects.order_by("pk").values_list("pk", "what", "status", "version")),
        list(ActionUpdate.objects.order_by("pk").values_list("pk", "note")),
        list(BoardPaper.objects.order_by("pk").values_list("pk", "asks", "final_at", "version")),
    ]


def test_every_route_with_an_identifier_has_an_access_case() -> None:
    routes = _routes_with_identifiers()
    assert "assessments:edit" in routes  # the walk finds routes at all
    missing = [name for name in routes if name not in CASES and name not in EXEMPT]
    assert missing == [], f"add access cases for {missing}"


@pytest.mark.parametrize("route", sorted(CASES))
def test_people_outside_the_scope_get_404_and_change_nothing(
    client: Client, started: World, route: str
) -> None:
    case = CASES[route]
    before = _snapshot()
    for user, target in case.denied(started):
        sign_in(client, user)
        url = reverse(route, kwargs=case.kwargs(target))
        post_data = {"reason": "Because", "action": "save", "email": "intruder@example.org"}
        post_data.update({"role": "member", "team": str(started.team.pk), "days_before": "4"})
        post_data.update(_round_dates(started))
        if isinstance(target, Assessment):
            post_data.update(rate_all(target, "red"))
        if isinstance(target, PeopleImport):  # a confirmation that would import, if let in
            post_data["fingerprint"] = target.fingerprint
        assert client.get(url).status_code in {404, 405}, (route, user.email, "GET")
        assert client.post(url, post_data).status_code == 404, (route, user.email, "POST")
    assert _snapshot() == before


@pytest.mark.parametrize("route", sorted(CASES))
def test_people_inside_the_scope_are_let_in(client: Client, started: World, route: str) -> None:
    case = CASES[route]
    for user, target in case.allowed(started):
        sign_in(client, user)
        url = reverse(route, kwargs=case.kwargs(target))
        method = client.post if route == "assessments:start" else client.get
        response = method(url, {"version": getattr(target, "version", 0)})
        assert response.status_code != 404, (route, user.email)


def test_only_the_team_saves_a_section_others_who_may_read_it_get_404(
    client: Client, started: World
) -> None:
    before = _snapshot()
    for user, target in _members_only(started):
        sign_in(client, user)
        url = reverse("assessments:section", kwargs=_by_section(target))
        data = {**rate_all(target, "red"), "action": "save"}
        assert client.post(url, data).status_code == 404, user.email
    assert _snapshot() == before
    sign_in(client, started.practitioner)
    mine = _mine(started)
    url = reverse("assessments:section", kwargs=_by_section(mine))
    assert client.post(url, {**rate_all(mine, "red"), "action": "save"}).status_code == 302
    assert _snapshot() != before  # the same post from the team saves: the 404s meant something


def test_unknown_identifiers_answer_404_in_our_style(client: Client, started: World) -> None:
    sign_in(client, started.practitioner)
    for url in [
        "/assessments/999999/",
        "/assessments/999999/sections/1/",
        "/teams/999/rounds/1/start/",
    ]:
        response = client.post(url) if "sections" in url or "start" in url else client.get(url)
        assert response.status_code == 404
        assert "Page not found" in response.text
        assert "IMH workforce toolkit" in response.text


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, started: World) -> None:
    for route, case in CASES.items():
        _, target = case.allowed(started)[0]
        response = client.get(reverse(route, kwargs=case.kwargs(target)))
        if response.status_code == 405:
            continue
        assert response.status_code == 302, route
        assert response["Location"].startswith(reverse("login"))


def test_the_health_check_answers_anyone_and_says_nothing_else(client: Client) -> None:
    response = client.get(reverse("assessments:healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"


def test_a_reader_of_every_partnership_finds_the_rounds_and_reads_without_changing(
    client: Client, started: World
) -> None:
    sign_in(client, started.reader)
    home = client.get(reverse("assessments:home")).text
    for round_ in (started.round, started.outsider_round):
        assert reverse("reports:dashboard", args=[round_.pk]) in home
    assert "There is nothing for you to rate" not in home
    page = client.get(reverse("assessments:edit", args=[_outsider(started).pk]))
    assert page.status_code == 200
    assert 'name="version"' not in page.text  # read-only: no form to save
    assert reverse("assessments:reopen", args=[_outsider(started).pk]) not in page.text
