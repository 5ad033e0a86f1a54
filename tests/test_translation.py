"""Every string a person reads passes through a translation call, so a Welsh version needs only a
catalogue. Each page below is rendered under a marker language that wraps every translated
string in invisible brackets; any visible text left outside them was not marked for translation.

The pages checked grow as templates are converted (issue 9): so far sign-in, passwords, the
account, the second step and the whole rating journey (home, assessment, errors, check, submit,
read-only, history, reopen) and the lead's dashboard; the header, footer, messages and error
summary are on every page. The PDFs follow.
"""

import datetime
import html
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from assessments import tasks
from assessments.models import Action, Assessment, Rating, Reminder, ReminderDelivery, Round
from assessments.templatetags import assessment_tags
from checklists.templatetags import rag as rag_tags
from partnerships.models import Invitation, Team
from reports import pdf, reports

from .conftest import World
from .helpers import (
    add_member,
    edit_url,
    form_data,
    make_last_year,
    make_user,
    mark_submitted,
    rate_all,
    reminder_email,
    reopened_email,
    round_opened_email,
    save_url,
    sign_in,
    submitted_email,
)

OPEN, CLOSE = "\u2068", "\u2069"  # first-strong and pop directional isolates: invisible
SHOWN_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder"}


def _marking(function: Callable[..., str]) -> Callable[..., str]:
    def marked(*args: Any) -> str:
        return f"{OPEN}{function(*args)}{CLOSE}"

    return marked


@pytest.fixture
def marker_language(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from django.utils.translation import trans_real

    trans: Any = translation._trans  # type: ignore[attr-defined]  # Django's dispatcher
    for name in ("gettext", "ngettext", "pgettext", "npgettext"):
        monkeypatch.setattr(trans, name, _marking(getattr(trans_real, name)))
    _forget_translated_wording()  # made once per language and process: make it again
    yield
    _forget_translated_wording()


def _forget_translated_wording() -> None:
    assessment_tags._words.cache_clear()
    rag_tags._tags.cache_clear()
    caches["chrome"].clear()


class _Shown(HTMLParser):
    """The text a person sees or hears: text nodes and the attributes screen readers read."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "svg"}:
            self._hidden += 1
        shown = SHOWN_ATTRIBUTES
        if tag == "input" and dict(attrs).get("type") in {"submit", "button", "reset"}:
            shown = shown | {"value"}  # a button's words
        for name, value in attrs:
            if name in shown and value:
                self.pieces.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "svg"}:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.pieces.append(data)


def unmarked_text(page: str, data: tuple[str, ...] = ()) -> list[str]:
    """Visible text not inside a translated string, minus the given data (names, e-mail
    addresses: what people typed is not translated) and anything without letters."""
    parser = _Shown()
    parser.feed(page)
    text = "\n".join(parser.pieces)
    while True:  # translations inside translations: take out the innermost first
        stripped = re.sub(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", " ", text)
        if stripped == text:
            break
        text = stripped
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    return [line.strip() for line in text.splitlines() if re.search(r"[^\W\d_]", line)]


def test_the_check_finds_an_unmarked_string_and_passes_a_marked_one() -> None:
    page = f"<p>{OPEN}Sign in{CLOSE}</p><p>Forgotten?</p><img alt='A chart'><script>x</script>"
    assert unmarked_text(page) == ["Forgotten?", "A chart"]
    assert unmarked_text(f"<p>{OPEN}Hello {OPEN}Sam{CLOSE}{CLOSE} 42</p>") == []


def test_the_marker_language_wraps_templates_and_python_alike(
    client: Client, db: None, marker_language: None
) -> None:
    from django.utils.translation import gettext, gettext_lazy

    assert gettext("Sign in") == f"{OPEN}Sign in{CLOSE}"
    assert str(gettext_lazy("Sign in")) == f"{OPEN}Sign in{CLOSE}"


def _signed_out_pages(client: Client, world: World) -> Iterator[tuple[str, str]]:
    for name in ("login", "password_reset", "password_reset_done", "password_reset_complete"):
        yield name, client.get(reverse(name)).text
    yield "login with errors", client.post(reverse("login"), {"username": "x"}).text
    yield "page not found", client.get("/no-such-page/").text
    for name in ("help", "accessibility", "privacy", "cookies"):
        yield name, client.get(reverse(name)).text


def _signed_in_pages(client: Client, world: World) -> Iterator[tuple[str, str]]:
    sign_in(client, world.practitioner)
    yield "account", client.get(reverse("account")).text
    yield "help, signed in", client.get(reverse("help")).text
    yield "change password", client.get(reverse("password_change")).text
    yield (
        "change password with errors",
        client.post(reverse("password_change"), {"old_password": "wrong"}).text,
    )
    yield "set up an app", client.get(reverse("two_factor_set_up")).text
    client.post(reverse("sign_out_elsewhere"))
    yield "account with a message", client.get(reverse("account")).text


def _second_step_pages(client: Client, world: World) -> Iterator[tuple[str, str]]:
    TOTPDevice.objects.create(user=world.staff, name="App", confirmed=True)
    client.force_login(world.staff)
    yield "code", client.get(reverse("two_factor_verify")).text
    yield "code with an error", client.post(reverse("two_factor_verify"), {"code": "1"}).text
    sign_in(client, world.staff)
    yield "backup codes", client.get(reverse("backup_codes")).text
    yield "new backup codes", client.post(reverse("backup_codes")).text


def _rating_pages(client: Client, world: World) -> Iterator[tuple[str, str]]:
    last_year = make_last_year(world.round, world.team)  # last round's answers beside each item
    last_year.ratings.filter(item__code="W01").update(next_step="Train everyone")
    sign_in(client, world.practitioner)
    yield "home", client.get(reverse("assessments:home")).text
    start = reverse("assessments:start", args=[world.team.pk, world.round.pk])
    page = client.post(start, follow=True)
    yield "task list", page.text
    assessment = Assessment.objects.get(team=world.team, round=world.round)
    yield "section page", client.get(save_url(assessment)).text
    copy = reverse("assessments:copy-previous", args=[assessment.pk])
    page = client.post(copy, {"version": assessment.version}, follow=True)
    yield "task list with answers carried forward", page.text
    yield "section with answers carried forward", client.get(save_url(assessment)).text
    submit = reverse("assessments:submit", args=[assessment.pk])
    yield "submitting with answers to confirm", client.post(submit).text
    assessment.refresh_from_db()
    confirm = {**form_data(assessment), "confirm": str(_first_item(assessment))}
    yield "an answer confirmed", client.post(save_url(assessment), confirm, follow=True).text
    assessment.refresh_from_db()
    bad = {**rate_all(assessment), f"item-{_first_item(assessment)}-evidence": "a\x01b"}
    yield "assessment with errors", client.post(save_url(assessment), bad).text
    yield "check answers", client.get(reverse("assessments:check", args=[assessment.pk])).text
    yield "task list, every section complete", client.get(edit_url(assessment)).text
    from_check = client.get(save_url(assessment), {"return": "check"}).text
    yield "section opened from check your answers", from_check
    gone = reverse("assessments:section", args=[assessment.pk, 10**9])
    yield "a section no longer in the checklist", client.get(gone, follow=True).text
    yield "saving a section no longer in the checklist", client.post(gone, bad).text
    stale = rate_all(assessment, "red")
    client.post(save_url(assessment), rate_all(assessment))  # saved since `stale` was loaded
    conflict = client.post(save_url(assessment), stale)
    yield "conflict", conflict.text
    resolving = {**stale, "version": str(conflict.context["version"]), "resolving": "1"}
    yield "conflict with no choice made", client.post(save_url(assessment), resolving).text
    yield "incomplete post", client.post(save_url(assessment), {"version": "1"}).text
    client.post(save_url(assessment), rate_all(assessment))
    assessment.refresh_from_db()
    submitted = client.post(
        reverse("assessments:submit", args=[assessment.pk]),
        {"version": assessment.version},
        follow=True,
    )
    yield "submitted", submitted.text
    yield "read only", client.get(reverse("assessments:edit", args=[assessment.pk])).text
    yield "history", client.get(reverse("assessments:history", args=[assessment.pk])).text
    sign_in(client, world.lead)
    yield "lead's home", client.get(reverse("assessments:home")).text
    dashboard = reverse("reports:dashboard", args=[world.round.pk])
    yield "dashboard", client.get(dashboard).text
    yield "dashboard filtered", client.get(dashboard, {"sector": "nhs_health"}).text
    yield "reopen", client.get(reverse("assessments:reopen", args=[assessment.pk])).text
    client.post(reverse("assessments:reopen", args=[assessment.pk]), {"reason": "W02 is wrong"})
    yield "reopened, as the lead sees it", client.get(edit_url(assessment)).text
    sign_in(client, world.practitioner)
    yield "home with a reopened assessment", client.get(reverse("assessments:home")).text
    yield "reopened assessment", client.get(edit_url(assessment)).text
    Round.objects.filter(pk=world.round.pk).update(
        opens_on=world.round.opens_on - datetime.timedelta(days=60),
        closes_on=world.round.opens_on - datetime.timedelta(days=1),
    )
    yield "a closed round's answers", client.get(edit_url(assessment)).text


def _report_pages(client: Client, world: World) -> Iterator[tuple[str, str]]:
    """The PDFs' HTML, as WeasyPrint is given it: with last year to compare, Red and Amber
    answers for the appendix, a team that has not submitted and a team with no headcount; and
    a partnership's first round, with nothing submitted."""
    make_last_year(world.round, world.team)
    now = Assessment.start(team=world.team, round=world.round)
    ratings = now.ratings.select_related("item")
    for rating, rag in zip(ratings, ("red", "amber", "green"), strict=False):
        evidence = f"Evidence {rating.item.code}"
        Rating.objects.filter(pk=rating.pk).update(rag=rag, evidence=evidence, next_step=evidence)
    mark_submitted(now)
    Team.objects.filter(pk=world.team.pk).update(headcount=None)
    last_year = Round.objects.get(name="Last year")
    for round_, code in [(world.round, "W01"), (last_year, "W02"), (world.round, "Z99")]:
        action = Action.objects.create(
            partnership=world.partnership,
            round=round_,
            item_code=code,
            what="Train everyone",
            owner_name="Pat Practitioner",
            due_on=datetime.date(2020, 1, 1),
            measure="Train everyone",
        )
    action.change_status(status="in_progress", note="Train everyone", by=world.lead, version=0)
    data = reports.round_data(round=world.round)
    yield "gap report", pdf.markup("reports/gap_report.html", pdf.gap_report_context(data=data))
    filtered = reports.round_data(
        round=world.round, filters=reports.Filters(sector="nhs_health", team_type="midwifery")
    )
    context = pdf.gap_report_context(data=filtered)
    yield "gap report, filtered to nothing", pdf.markup("reports/gap_report.html", context)
    first = reports.round_data(round=world.outsider_round)
    context = pdf.gap_report_context(data=first)
    yield "gap report of a first round", pdf.markup("reports/gap_report.html", context)
    context = pdf.team_report_context(assessment=Assessment.objects.get(pk=now.pk))
    yield "team report", pdf.markup("reports/team_report.html", context)
    unanswered = Assessment.start(team=world.outsider_team, round=world.outsider_round)
    context = pdf.team_report_context(assessment=unanswered)
    yield "team report, nothing submitted", pdf.markup("reports/team_report.html", context)


def _admin_pages(client: Client, world: World) -> Iterator[tuple[str, str]]:
    """Every page of the admin site an administrator works in: the index, and for each model
    its list, its add form and the form of one existing object (with its inlines)."""
    Assessment.start(team=world.team, round=world.round)
    sign_in(client, world.staff)
    yield "admin index", _without_djangos_own(client.get(reverse("admin:index")).text)
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        if meta.app_label == "axes":
            continue  # django-axes's records of requests: its own words, and what clients sent
        name = f"admin:{meta.app_label}_{meta.model_name}"
        page = client.get(reverse(f"{name}_changelist"))
        yield f"{meta.label} list", _without_djangos_own(page.text)
        if model_admin.has_add_permission(_request_of(world.staff)):
            page = client.get(reverse(f"{name}_add"))
            yield f"{meta.label} add", _without_djangos_own(page.text)
        existing = model._default_manager.order_by("pk").first()
        if existing is not None:
            page = client.get(reverse(f"{name}_change", args=[existing.pk]))
            yield f"{meta.label} change", _without_djangos_own(page.text)


def _emails(client: Client, world: World) -> Iterator[tuple[str, str]]:
    """Each e-mail's subject, text and HTML, with the team's, round's and people's words."""
    named = {"team": world.team.name, "round_name": world.round.name}
    messages = {
        "submitted": submitted_email(**named, submitted_by="Pat Practitioner"),
        "reopened": reopened_email(**named, reopened_by="Pat Practitioner", reason="W02 is wrong"),
        "round opened": round_opened_email(
            teams=[world.team.name, world.other_team.name],
            round_name=world.round.name,
            partnership=world.partnership.name,
            checklist=world.checklist.name,
        ),
        "reminder": reminder_email(teams=[world.team.name], round_name=world.round.name),
        "reminder, two teams": reminder_email(
            teams=[world.team.name, world.other_team.name], round_name=world.round.name
        ),
        "reminder, closing day": reminder_email(
            teams=[world.team.name], round_name=world.round.name, days_left=0
        ),
    }
    for name, message in messages.items():
        ((body, _type),) = message.alternatives
        pieces = {
            "subject": f"<p>{html.escape(str(message.subject))}</p>",
            "text": f"<pre>{html.escape(str(message.body))}</pre>",
            "HTML": str(body),
        }
        for piece, page in pieces.items():  # the link is an address, not words
            yield f"{name} e-mail's {piece}", _no_links(page)


def _people_pages(client: Client, world: World) -> Iterator[tuple[str, str]]:
    """The lead's invitation pages in every state, the invited person's pages for every way a
    link can end, and the two e-mails about joining."""
    sign_in(client, world.lead)
    invite = reverse("partnerships:invite", args=[world.partnership.pk])
    yield "invite", client.get(invite).text
    yield "invite, refused", client.post(invite, {"email": "nope", "role": "member"}).text
    with TestCase.captureOnCommitCallbacks(execute=True):
        for email in ["a@example.org", "b@example.org", "c@example.org"]:
            client.post(invite, {"email": email, "role": "member", "team": world.team.pk})
        client.post(invite, {"email": world.outsider.email, "role": "partnership_lead"})
    links = {m.to[0]: re.search(r"/join/[^/\s]+/", str(m.body)) for m in mail.outbox}
    url = {email: found.group(0) for email, found in links.items() if found}
    Invitation.objects.filter(email="b@example.org").update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    c = Invitation.objects.get(email="c@example.org")
    yield "withdraw", client.get(reverse("partnerships:withdraw", args=[c.pk])).text
    client.post(reverse("partnerships:withdraw", args=[c.pk]))
    yield (
        "invitations",
        client.get(reverse("partnerships:invitations", args=[world.partnership.pk])).text,
    )
    yield "join, someone else", client.get(url["a@example.org"]).text
    client.logout()
    yield "join", client.get(url["a@example.org"]).text
    yield "join, refused", client.post(url["a@example.org"], {"new_password1": "x"}).text
    yield "join, expired", client.get(url["b@example.org"]).text
    yield "join, withdrawn", client.get(url["c@example.org"]).text
    yield "join, unknown", client.get(reverse("partnerships:accept", args=["nope"])).text
    with TestCase.captureOnCommitCallbacks(execute=True):
        Invitation.objects.filter(email="a@example.org").update(email=world.reader.email)
    yield "join, sign in first", client.get(url["a@example.org"]).text
    sign_in(client, world.reader)
    yield "join, accept", client.get(url["a@example.org"]).text
    client.post(url["a@example.org"])
    client.logout()
    yield "join, used", client.get(url["a@example.org"]).text
    for message in mail.outbox[:1] + mail.outbox[-1:]:  # an invitation, an "added"
        ((body, _type),) = message.alternatives  # type: ignore[union-attr]
        name = message.subject
        yield f"{name}: subject", f"<p>{html.escape(str(message.subject))}</p>"
        yield f"{name}: text", f"<pre>{html.escape(_no_links(str(message.body)))}</pre>"
        yield f"{name}: HTML", _no_links(str(body))


def _import_pages(client: Client, world: World) -> Iterator[tuple[str, str]]:
    """The spreadsheet import: the upload page, a refused file, a preview with problems, and a
    preview with a change of every kind."""
    sign_in(client, world.lead)
    url = reverse("partnerships:import-people", args=[world.partnership.pk])
    yield "import", client.get(url).text

    def upload(data: bytes) -> str:
        return client.post(url, {"file": SimpleUploadedFile("people.csv", data)}, follow=True).text

    yield "import, refused", upload(b"\x89PNG\r\n\x00")
    header = "organisation,sector,team,team_type,headcount,first_name,last_name,email,role"
    team, org = world.team, world.team.organisation
    good = [
        f"{org.name},Voluntary,{team.name},Midwifery,9,,,{world.reader.email},team lead",
        "Riverside Council,Local authority,Hub,Family hub,3,,,a@example.org,partnership lead",
    ]
    bad = [*good, "Riverside Council,Council,Hub,Family hub,x,,,nope,boss"]
    yield "import, problems", upload("\n".join([header, *bad]).encode())
    yield "import, preview", upload("\n".join([header, *good]).encode())


def _round_pages(client: Client, world: World) -> Iterator[tuple[str, str]]:
    """The lead's rounds: the list in every state, a new round with every kind of mistake, the
    dates of an open and of an upcoming round, and closing one."""
    sign_in(client, world.lead)
    today = timezone.localdate()
    later = world.round.closes_on + datetime.timedelta(days=30)
    upcoming = Round.objects.create(
        partnership=world.partnership,
        checklist=world.checklist,
        name="Next year",
        opens_on=later,
        closes_on=later + datetime.timedelta(days=20),
    )
    Round.objects.create(
        partnership=world.partnership,
        checklist=world.checklist,
        name="Last year",
        opens_on=today - datetime.timedelta(days=400),
        closes_on=today - datetime.timedelta(days=370),
    )
    yield "rounds", client.get(reverse("assessments:rounds", args=[world.partnership.pk])).text
    new = reverse("assessments:round-new", args=[world.partnership.pk])
    yield "new round", client.get(new).text
    wrong = {"name": world.round.name, "checklist": world.checklist.pk, "opens_on_0": "31"}
    wrong |= {"opens_on_1": "2", "opens_on_2": "2027", "closes_on_0": "x", "closes_on_1": "1"}
    yield "new round, refused", client.post(new, wrong).text
    overlap = {"name": "Overlap", "checklist": world.checklist.pk, "teams": [world.team.pk]}
    for field, day in [("opens_on", today), ("closes_on", later)]:
        overlap |= {f"{field}_0": day.day, f"{field}_1": day.month, f"{field}_2": day.year}
    yield "new round, overlapping", client.post(new, overlap).text
    for name, round_ in [("open", world.round), ("upcoming", upcoming)]:
        url = reverse("assessments:round-dates", args=[round_.pk])
        yield f"dates of an {name} round", client.get(url).text
        yield f"dates of an {name} round, refused", client.post(url, {"closes_on_0": "1"}).text
    close = reverse("assessments:round-close", args=[world.round.pk])
    yield "close a round", client.get(close).text
    Round.objects.filter(pk=world.round.pk).update(opens_on=today)
    yield "close a round that opened today", client.get(close).text
    Round.objects.filter(pk=world.round.pk).update(
        opens_on=today - datetime.timedelta(days=30), closes_on=today - datetime.timedelta(days=1)
    )
    yield "close a round that has closed", client.get(close).text


def _no_links(text: str) -> str:
    return re.sub(r"https?://[^\s<\"]+", "", text)


def _reminder_pages(client: Client, world: World) -> Iterator[tuple[str, str]]:
    """A round's e-mails in every state, a reminder refused, sending one now in every state."""
    sign_in(client, world.lead)
    add_member(make_user("colleague@example.org"), world.other_team)
    page = reverse("assessments:reminders", args=[world.round.pk])
    now = reverse("assessments:remind-now", args=[world.round.pk])
    yield "a round with no e-mails", client.get(page).text
    yield "send a reminder now", client.get(now).text
    for days in (0, 1, 25, 60):  # the closing day, tomorrow's, scheduled, before the opening
        Reminder.objects.create(round=world.round, kind=Reminder.Kind.REMINDER, days_before=days)
    sent = Reminder.objects.create(
        round=world.round, kind=Reminder.Kind.REMINDER, send_on=timezone.localdate()
    )
    sending = Reminder.objects.create(round=world.round, kind=Reminder.Kind.OPENING)
    tasks.send_reminder.call(sent.pk)
    ReminderDelivery.objects.create(
        reminder=sending, round=world.round, user=world.lead, day=timezone.localdate()
    )
    yield "a round's e-mails", client.get(page).text
    yield "a round's e-mails, refused", client.post(page, {"days_before": "x"}).text
    yield "send a reminder now, everyone reminded today", client.get(now).text
    ReminderDelivery.objects.filter(user=world.practitioner).delete()
    yield "send a reminder now, some reminded today", client.get(now).text
    for team in (world.team, world.other_team):
        mark_submitted(Assessment.start(team=team, round=world.round))
    yield "send a reminder now, all submitted", client.get(now).text
    Round.objects.filter(pk=world.round.pk).update(
        closes_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    yield "a closed round's e-mails", client.get(page).text
    yield "send a reminder now, closed", client.get(now).text


def _action_pages(client: Client, world: World) -> Iterator[tuple[str, str]]:
    """The action plan empty and with actions (carried, overdue, on a retired item), adding one
    beside the teams' next steps, refused, changing one, a conflict, and its status history."""
    sign_in(client, world.lead)
    plan = reverse("assessments:action-plan", args=[world.round.pk])
    yield "an action plan with no actions", client.get(plan).text
    item = world.checklist.items.order_by("order").first()
    assert item is not None
    new = reverse("assessments:action-new", args=[world.round.pk, item.pk])
    yield "add an action, no next steps", client.get(new).text
    assessment = Assessment.start(team=world.team, round=world.round)
    assessment.ratings.filter(item=item).update(next_step="Train everyone")
    mark_submitted(assessment)
    yield "add an action", client.get(new).text
    yield "add an action, refused", client.post(new, {"due_on_0": "40"}).text
    posted: dict[str, Any] = {
        "what": "Train everyone",
        "owner_name": "Pat Practitioner",
        "due_on_0": "1",
    }
    posted |= {"due_on_1": "1", "due_on_2": "2020", "team_types": ["health_visiting"]}
    posted |= {"organisations": [world.team.organisation.pk]}
    client.post(new, posted)
    action = Action.objects.get()
    Action.objects.create(
        partnership=world.partnership,
        round=world.round,
        item_code="Z99",
        what="Train everyone",
        owner_name="Pat Practitioner",
    )
    yield "an action plan", client.get(plan).text
    page = reverse("assessments:action", args=[action.pk])
    yield "an action", client.get(page).text
    yield "an action, refused", client.post(page, {"version": "0"}).text
    client.post(page, {"status": "in_progress", "note": "Train everyone", "version": "0"})
    yield "an action with history", client.get(page).text
    yield (
        "an action, conflict",
        client.post(page, {"status": "done", "note": "x", "version": "0"}).text,
    )
    edit = reverse("assessments:action-edit", args=[action.pk])
    yield "change an action", client.get(edit).text
    yield "change an action, conflict", client.post(edit, posted | {"version": "0"}).text
    paper = reverse("assessments:board-paper", args=[world.round.pk])
    yield "board paper", client.get(paper).text
    yield "board paper, too early", client.post(paper, {"version": "0", "step": "final"}).text
    client.post(paper, {"asks": "Train everyone", "version": "0"})
    yield "board paper, conflict", client.post(paper, {"asks": "x", "version": "0"}).text
    Round.objects.filter(pk=world.round.pk).update(
        opens_on=datetime.date(2019, 1, 1), closes_on=datetime.date(2020, 1, 1)
    )
    yield "board paper, round closed", client.get(paper).text
    client.post(paper, {"version": "1", "step": "final"})
    yield "board paper, final", client.get(paper, follow=True).text


def _without_djangos_own(page: str) -> str:
    """Django's admin writes three words untranslated, as image descriptions: the search icon's
    "Search" and the yes/no icons' "True" and "False". They are Django's to fix, not ours."""
    return re.sub(r'(<img [^>]*alt=")(Search|True|False)(")', r"\1\3", page)


def _request_of(user: User) -> HttpRequest:
    request = HttpRequest()
    request.user = user
    return request


def _first_item(assessment: Assessment) -> int:
    return int(assessment.ratings.values_list("item_id", flat=True).first() or 0)


@pytest.mark.parametrize(
    "pages",
    [
        _signed_out_pages,
        _signed_in_pages,
        _second_step_pages,
        _rating_pages,
        _report_pages,
        _admin_pages,
        _emails,
        _people_pages,
        _import_pages,
        _round_pages,
        _reminder_pages,
        _action_pages,
    ],
)
def test_every_string_on_the_sign_in_and_account_pages_is_marked_for_translation(
    client: Client, world: World, marker_language: None, pages: Callable[..., Any]
) -> None:
    data = _world_data(world)
    problems = {
        name: unmarked
        for name, page in pages(client, world)
        if (unmarked := unmarked_text(page, data + _codes_on(page)))
    }
    assert problems == {}


def _world_data(world: World) -> tuple[str, ...]:
    """What admins and people typed: names of places, teams, rounds, and the checklist."""
    items = world.checklist.items.select_related("section")
    texts = [world.partnership.name, world.team.name, world.other_team.name, world.round.name]
    texts += [world.other_partnership.name, world.outsider_team.name, world.outsider_round.name]
    texts += [world.outsider_team.organisation.name, "Last year"]
    texts += [world.team.organisation.name, world.checklist.name, world.checklist.source]
    texts += [world.checklist.introduction]
    for item in items:
        texts += [item.code, item.statement, item.guidance]
        texts += [item.red_descriptor, item.amber_descriptor, item.green_descriptor]
        texts += [item.section.title] if item.section else []
    texts += [f"Evidence {item.code}" for item in items]
    texts += [
        "a\x01b",
        "W02 is wrong",
        "Train everyone",
    ]  # bad evidence sent back; a lead's reason to reopen
    texts += ["a@example.org", "b@example.org", "c@example.org"]  # people invited
    texts += ["Riverside Council", "Hub", "people.csv", "nope", "boss", "Council", "x"]
    texts += ["Next year", "Overlap"]  # rounds a lead named
    texts += ["Z99", "Pat Practitioner"]  # an action's item and owner
    for user in User.objects.all():
        texts += [user.email, user.full_name]
        texts += [
            str(value)
            for value in identify_hasher(user.password).safe_summary(user.password).values()
        ]
    # Permission names are rows Django writes in English at migrate time, not messages; the
    # admin shows them as they are stored.
    texts += Permission.objects.values_list("name", flat=True)
    # Who runs the installation: the operator's own words, from its settings.
    texts += [settings.OPERATOR_NAME, settings.OPERATOR_EMAIL, settings.DATA_PROTECTION_EMAIL]
    return tuple(text for text in texts if text)


def _codes_on(page: str) -> tuple[str, ...]:
    """Secrets and codes on the page are data, not words."""
    return tuple(re.findall(r'class="app-code"[^>]*>([^<]+)<', page))


def test_the_messages_can_be_extracted_and_compiled(tmp_path: Any, settings: Any) -> None:
    # makemessages reads every template and module (a malformed {% blocktranslate %} fails it);
    # compilemessages turns the catalogue into what Django loads. Into a scratch folder: the
    # repository's locale/, once there is one, holds only the languages we ship.
    settings.LOCALE_PATHS = [tmp_path]
    call_command(
        "makemessages", locale=["cy"], verbosity=0, ignore_patterns=["staticfiles/*", "locale"]
    )
    catalogue = (tmp_path / "cy" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    for marked in ('msgid "Sign in"', 'msgid "Set up an authenticator app"', "backup code"):
        assert marked in catalogue
    call_command("compilemessages", locale=["cy"], verbosity=0)
    assert (tmp_path / "cy" / "LC_MESSAGES" / "django.mo").exists()
