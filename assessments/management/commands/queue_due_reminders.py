"""The safety net for the rounds' e-mails: run it daily. Each e-mail is queued for its day when
it is set up, so this finds only those a stopped worker missed (or that it could not send), and
queues them again; e-mails already sent to a person are never sent to them twice."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from assessments.models import Reminder


class Command(BaseCommand):
    help = (
        "Queue again each of the rounds' e-mails (opening day, reminders) whose day has come "
        "and that has not gone to everyone yet, while its round is open. Schedule it daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        today = timezone.localdate(now)
        unfinished = Reminder.objects.filter(
            finished_at=None, round__opens_on__lte=today, round__closes_on__gte=today
        ).select_related("round")
        waiting = {Reminder.State.SCHEDULED, Reminder.State.SENDING}
        queued = 0
        for reminder in unfinished:
            if reminder.due_on() <= today and reminder.state(now) in waiting:
                reminder.queue()  # for SEND_AT today if that is still to come
                queued += 1
        self.stdout.write(f"Queued {queued} of the rounds' e-mails whose day has come.")
