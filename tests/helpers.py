"""Small builders for the objects tests need; each takes only what a test cares about."""

import datetime
import io
import re
from html.parser import HTMLParser
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from pypdf import PdfReader

from accounts import emails, two_factor
from accounts.models import User
from assessments.models import Assessment, Round
from assessments.tasks import progress
from checklists.models import Checklist, Item, Section
from partnerships.models import (
    Organisation,
    Partnership,
    PartnershipLead,
    Sector,
    Team,
    TeamMembership,
    TeamType,
)

PASSWORD = "a-long-test-password-42"


def make_user(email: str, **extra: Any) -> User:
    return User.objects.create_user(email, PASSWORD, **extra)


def make_partnership(name: str = "Northshire Partnership") -> Partnership:
    return Partnership.objects.create(name=name)


def make_team(
    partnership: Partnership,
    name: str = "Health Visiting East",
    *,
    organisation: str = "Northshire NHS Trust",
    sector: Sector = Sector.NHS_HEALTH,
    team_type: TeamType = TeamType.HEALTH_VISITING,
    headcount: int | None = 10,
    is_active: bool = True,
) -> Team:
    org, _ = Organisation.objects.get_or_create(
        partnership=partnership, name=organisation, defaults={"sector": sector}
    )
    return Team.objects.create(
        organisation=org, name=name, team_type=team_type, headcount=headcount, is_active=is_active
    )


def make_checklist(
    items: int = 3, *, name: str = "Workforce checklist", publish: bool = True
) -> Checklist:
    checklist = Checklist.objects.create(name=name, source="UNICEF UK and PEDAL")
    section = Section.objects.create(checklist=checklist, title="Understanding", order=1)
    for number in range(1, items + 1):
        make_item(checklist, section, number)
    if publish:
        checklist.publish()
    return checklist


def make_item(
    checklist: Checklist, section: Section | None, number: int, *, code: str = ""
) -> Item:
    """Item W<number> (or `code`), in the section, ordered by its number."""
    return Item.objects.create(
        checklist=checklist,
        section=section,
        code=code or f"W{number:02d}",
        statement=f"Statement {number}",
        red_descriptor="Not in place",
        amber_descriptor="Partly in place",
        green_descriptor="In place",
        order=number,
    )


def make_round(
    partnership: Partnership,
    checklist: Checklist,
    *,
    name: str = "2026 round",
    opens_days_ago: int = 10,
    closes_in_days: int = 30,
) -> Round:
    today = timezone.localdate()
    return Round.objects.create(
        partnership=partnership,
        checklist=checklist,
        name=name,
        opens_on=today - datetime.timedelta(days=opens_days_ago),
        closes_on=today + datetime.timedelta(days=closes_in_days),
    )


def add_member(user: User, team: Team) -> TeamMembership:
    return TeamMembership.objects.create(user=user, team=team)


def add_lead(user: User, partnership: Partnership) -> PartnershipLead:
    return PartnershipLead.objects.create(user=user, partnership=partnership)


def form_data(
    assessment: Assessment,
    answers: dict[str, tuple[str, str, str]] | None = None,
    *,
    version: int | None = None,
    action: str = "save",
) -> dict[str, str]:
    """What the assessment page posts: every item's current answer, with some changed.

    answers maps item codes to (rag, evidence, next step); rag "" leaves an item unrated.
    """
    answers = answers or {}
    data = {
        "version": str(assessment.version if version is None else version),
        "action": action,
    }
    for rating in assessment.ratings.select_related("item"):
        prefix = f"item-{rating.item.pk}"
        rag, evidence, next_step = answers.get(
            rating.item.code,
            ("" if rating.rag == "unrated" else rating.rag, rating.evidence, rating.next_step),
        )
        data[f"{prefix}-rag"] = rag
        data[f"{prefix}-evidence"] = evidence
        data[f"{prefix}-next_step"] = next_step
    return data


def rate_all(assessment: Assessment, rag: str = "green") -> dict[str, str]:
    codes = assessment.ratings.values_list("item__code", flat=True)
    return form_data(assessment, {code: (rag, f"Evidence {code}", "") for code in codes})


def signs_in(client: Client, email: str, password: str = PASSWORD) -> bool:
    """Sign in through the real sign-in page, as a person (and django-axes) would."""
    response = client.post(reverse("login"), {"username": email, "password": password})
    return response.status_code == 302


def edit_url(assessment: Assessment) -> str:
    """The assessment's page: the task list for its team, read-only for others."""
    return reverse("assessments:edit", args=[assessment.pk])


def section_url(assessment: Assessment, section: Section | None = None) -> str:
    """A section's page (the assessment's first section unless named): it posts to itself."""
    if section is None:
        section = assessment.round.checklist.sections.order_by("order", "pk").first()
    return reverse("assessments:section", args=[assessment.pk, section.pk if section else 0])


def save_url(assessment: Assessment) -> str:
    """Where the helpers' checklists' items are saved: one section holds them all."""
    return section_url(assessment)


def make_last_year(round_: Round, team: Team, rag: str = "red") -> Assessment:
    """The round a year before this one, of the same checklist, where the team submitted
    `rag` for every item."""
    last_year = Round.objects.create(
        partnership=round_.partnership,
        checklist=round_.checklist,
        name="Last year",
        opens_on=round_.opens_on - datetime.timedelta(days=365),
        closes_on=round_.opens_on - datetime.timedelta(days=300),
    )
    earlier = Assessment.start(team=team, round=last_year)
    earlier.ratings.update(rag=rag)
    mark_submitted(earlier)
    return earlier


def mark_submitted(assessment: Assessment) -> None:
    """Submit without the checks: for building earlier rounds' data."""
    Assessment.objects.filter(pk=assessment.pk).update(
        status=Assessment.Status.SUBMITTED, submitted_at=timezone.now()
    )


def sign_in(client: Client, user: User) -> None:
    """Signs the person in as far as a person can, the second step included for those who have
    one (administrators, by default): the session is verified by an authenticator app."""
    client.force_login(user)
    if two_factor.step_needed(user) is None:
        return
    app = two_factor.app_of(user) or TOTPDevice.objects.create(
        user=user, name="Test app", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = app.persistent_id
    session.pop(two_factor.PENDING_KEY, None)
    session.save()


class _FormReader(HTMLParser):
    """What a browser would post from the page's forms if nothing were changed."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in {"submit", "button", "file"}:
            if a.get("type") in {"checkbox", "radio"}:
                if "checked" in a:
                    self.fields[name] = a.get("value", "on")
            else:
                self.fields[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def posted_as_is(page: str) -> dict[str, str]:
    """The fields of the page's forms as a browser would post them unchanged (admin pages)."""
    reader = _FormReader()
    reader.feed(page)
    reader.fields.pop("csrfmiddlewaretoken", None)
    return reader.fields


def axes_collides_once(monkeypatch: Any) -> list[int]:
    """Makes django-axes' next count of a failure collide, as when a right password or code
    clears the count between its get and its create (IntegrityError); the list records it."""
    from axes.handlers.proxy import AxesProxyHandler
    from django.db import IntegrityError

    counting = AxesProxyHandler.user_login_failed
    collisions: list[int] = []

    def collide_once(*args: Any, **kwargs: Any) -> None:
        if not collisions:
            collisions.append(1)
            raise IntegrityError("duplicate key value violates unique constraint")
        counting(*args, **kwargs)

    monkeypatch.setattr(AxesProxyHandler, "user_login_failed", collide_once)
    return collisions


EMAIL_LINK = "https://toolkit.example.org/assessments/1/"


def submitted_email(**given: Any) -> Any:
    """The e-mail about a submission, with made-up values unless the test gives its own."""
    values: dict[str, Any] = {
        "to": "pat@example.org",
        "team": "Health Visiting North",
        "round_name": "2026 workforce self-assessment",
        "submitted_by": "Priya Practitioner",
        "submitted_at": datetime.datetime(2026, 11, 30, 10, tzinfo=datetime.UTC),
        "answers_url": EMAIL_LINK,
    }
    return emails.assessment_submitted(**(values | given))


def reopened_email(**given: Any) -> Any:
    """The e-mail about a reopening, with made-up values unless the test gives its own."""
    values: dict[str, Any] = {
        "to": "pat@example.org",
        "team": "Family Hubs East",
        "round_name": "2026 workforce self-assessment",
        "reopened_by": "Lee Partnership-Lead",
        "reason": "Please look again at W06.",
        "closes_on": datetime.date(2027, 1, 15),
        "assessment_url": EMAIL_LINK,
    }
    return emails.assessment_reopened(**(values | given))


def _team_links(teams: list[str] | None) -> list[emails.TeamLink]:
    return [
        emails.TeamLink(team, progress(6, 11), f"https://toolkit.example.org/teams/{n}/")
        for n, team in enumerate(teams or ["Health Visiting North"], 1)
    ]


def round_opened_email(*, teams: list[str] | None = None, **given: Any) -> Any:
    """The e-mail on a round's opening day, with made-up values unless the test gives its own."""
    values: dict[str, Any] = {
        "to": "pat@example.org",
        "partnership": "Riverside Best Start for Life Partnership",
        "round_name": "2027 workforce self-assessment",
        "checklist": "Multi-agency workforce checklist",
        "items": 11,
        "closes_on": datetime.date(2027, 2, 12),
        "teams": _team_links(teams),
    }
    return emails.round_opened(**(values | given))


def reminder_email(*, teams: list[str] | None = None, **given: Any) -> Any:
    """A reminder before a round closes, with made-up values unless the test gives its own."""
    values: dict[str, Any] = {
        "to": "pat@example.org",
        "partnership": "Riverside Best Start for Life Partnership",
        "round_name": "2027 workforce self-assessment",
        "closes_on": datetime.date(2027, 2, 12),
        "days_left": 3,
        "teams": _team_links(teams),
    }
    return emails.reminder(**(values | given))


def pdf_text(content: bytes) -> str:
    """A PDF's text with one space for any run of whitespace: a table cell's words may be on
    separate lines."""
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
