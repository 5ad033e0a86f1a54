"""Every e-mail the service sends: one small function per message, each built the same way, from
a subject, a plain-text body and an HTML body in templates/emails/<message>/.

The style is GOV.UK Notify's: no images, short lines, and every link written out in full from
SITE_URL (a background worker has no request to take the address from). The functions take
plain values, not models, so that every app can use them; each app's tasks fetch and re-check
what a message says before building it. One message goes to one person, so that nobody sees
anyone else's address."""

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.text import get_text_list
from django.utils.translation import gettext
from notifications_python_client.notifications import NotificationsAPIClient

logger = logging.getLogger(__name__)


def link(path: str) -> str:
    """A path of ours as a full address, for an e-mail."""
    return f"{settings.SITE_URL}{path}"


def _message(name: str, to: str, context: dict[str, Any]) -> EmailMultiAlternatives:
    # A subject is one line whatever the template or the team's name holds.
    subject = " ".join(render_to_string(f"emails/{name}/subject.txt", context).split())
    text = render_to_string(f"emails/{name}/body.txt", context)
    message = EmailMultiAlternatives(subject, text, to=[to])
    message.attach_alternative(render_to_string(f"emails/{name}/body.html", context), "text/html")
    return message


def assessment_submitted(
    *,
    to: str,
    team: str,
    round_name: str,
    submitted_by: str,
    submitted_at: datetime.datetime,
    answers_url: str,
) -> EmailMultiAlternatives:
    """To each member of a team, when someone submits its assessment."""
    return _message(
        "assessment_submitted",
        to,
        {
            "team": team,
            "round_name": round_name,
            "submitted_by": submitted_by,
            "submitted_on": date_format(timezone.localtime(submitted_at), "j F Y"),
            "submitted_time": time_format(timezone.localtime(submitted_at), "H:i"),
            "answers_url": answers_url,
        },
    )


def assessment_reopened(
    *,
    to: str,
    team: str,
    round_name: str,
    reopened_by: str,
    reason: str,
    closes_on: datetime.date,
    assessment_url: str,
) -> EmailMultiAlternatives:
    """To each member of a team, when a partnership lead reopens its assessment."""
    return _message(
        "assessment_reopened",
        to,
        {
            "team": team,
            "round_name": round_name,
            "reopened_by": reopened_by,
            "reason": reason,
            "closes_on": date_format(closes_on, "j F Y"),
            "assessment_url": assessment_url,
        },
    )


def invitation(
    *,
    to: str,
    invited_by: str,
    partnership: str,
    place: str,
    what: str,
    accept_url: str,
    expires_at: datetime.datetime,
) -> EmailMultiAlternatives:
    """To someone without an account: the link to set a password and join (`place` is the
    team, or the partnership for a lead; `what` says in a sentence what they will do)."""
    expires = timezone.localtime(expires_at)
    return _message(
        "invitation",
        to,
        {
            "invited_by": invited_by,
            "partnership": partnership,
            "place": place,
            "what": what,
            "accept_url": accept_url,
            "expires_on": date_format(expires, "j F Y"),
            "expires_time": time_format(expires, "H:i"),
        },
    )


def added_to_team(
    *, to: str, added_by: str, partnership: str, place: str, what: str, sign_in_url: str
) -> EmailMultiAlternatives:
    """To someone who has an account already, when a lead adds them to a team (or to lead)."""
    return _message(
        "added_to_team",
        to,
        {
            "added_by": added_by,
            "partnership": partnership,
            "place": place,
            "what": what,
            "sign_in_url": sign_in_url,
        },
    )


@dataclass(frozen=True)
class TeamLink:
    """One of the person's teams in a round's e-mail: its name, how far it has got, and the
    link that opens its assessment."""

    team: str
    progress: str
    url: str


def round_opened(
    *,
    to: str,
    partnership: str,
    round_name: str,
    checklist: str,
    items: int,
    closes_on: datetime.date,
    teams: Sequence[TeamLink],
) -> EmailMultiAlternatives:
    """To each member of every team taking part, on the round's opening day."""
    return _message(
        "round_opened",
        to,
        {
            "partnership": partnership,
            "round_name": round_name,
            "checklist": checklist,
            "items": items,
            "closes_on": date_format(closes_on, "l j F Y"),
            "teams": teams,
        },
    )


def reminder(
    *,
    to: str,
    partnership: str,
    round_name: str,
    closes_on: datetime.date,
    days_left: int,
    teams: Sequence[TeamLink],
) -> EmailMultiAlternatives:
    """To each member of a taking-part team that has not submitted, before the round closes."""
    return _message(
        "reminder",
        to,
        {
            "partnership": partnership,
            "round_name": round_name,
            "closes_on": date_format(closes_on, "l j F Y"),
            "days_left": days_left,
            "team_names": get_text_list([team.team for team in teams], gettext("and")),
            "teams": teams,
        },
    )


def send(messages: Iterable[EmailMessage]) -> int:
    """Sends the messages over one connection; returns how many were sent."""
    batch = list(messages)
    if not batch:
        return 0
    with mailers.default as connection:
        return int(connection.send_messages(batch) or 0)


def send_each[K](messages: Iterable[tuple[K, EmailMessage]]) -> tuple[list[K], list[K]]:
    """Sends the messages over one connection, one at a time, so that a failure is one
    message's (a refused address, a connection lost half way): returns the keys of those sent
    and of those not sent. The failures are logged; if the mail server cannot be reached at
    all, that error is raised and nothing was sent."""
    sent: list[K] = []
    failed: list[K] = []
    with mailers.default as connection:
        for key, message in messages:
            try:
                (sent if connection.send_messages([message]) else failed).append(key)
            except Exception:
                logger.exception("e-mail not sent")
                failed.append(key)
    return sent, failed


class ReadableConsoleBackend(ConsoleBackend):
    """Where no mail server is set (development, `make run`): each e-mail printed as a person
    reads it, its addresses, subject and plain text, rather than as the MIME Django's console
    backend prints, whose encoding garbles every curly quote and breaks every long line."""

    def write_message(self, message: EmailMessage) -> None:
        html = any(kind == "text/html" for _, kind in getattr(message, "alternatives", []))
        lines = [
            f"From: {message.from_email}",
            f"To: {', '.join(message.to)}",
            f"Subject: {message.subject}",
            "",
            str(message.body).rstrip(),
        ]
        if html:
            lines += [
                "",
                "[Printed by the console mail backend. It has an HTML version too.]",
            ]
        self.stream.write("\n".join(lines) + "\n" + "-" * 79 + "\n")


class NotifyBackend(BaseEmailBackend):
    """Sends through GOV.UK Notify (EMAIL_SERVICE=notify): each message, to each of its
    addresses, as one notification of one Notify e-mail template whose subject is
    ((subject)) and whose message is ((body)). Notify makes its own HTML from the plain text
    and links the addresses in it, so the HTML version is not sent."""

    def __init__(self, *, api_key: str, template_id: str, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.client = NotificationsAPIClient(api_key, base_url=base_url, timeout=20)
        self.template_id = template_id

    def send_messages(self, email_messages: Iterable[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            for address in message.recipients():
                self.client.send_email_notification(
                    email_address=address,
                    template_id=self.template_id,
                    personalisation={"subject": str(message.subject), "body": str(message.body)},
                )
            sent += 1
        return sent
