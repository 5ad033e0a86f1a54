"""Delete what the service no longer needs to keep about sign-ins: run it daily."""

import datetime
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import PasswordResetRequest


class Command(BaseCommand):
    help = (
        "Delete expired sessions, sign-in records (failed attempts, lockouts, the access log) "
        "older than RECORD_RETENTION_DAYS, and password reset counts older than a day. "
        "Schedule it daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        kept_since = now - datetime.timedelta(days=settings.RECORD_RETENTION_DAYS)
        deleted = {
            "expired sessions": Session.objects.filter(expire_date__lt=now).delete()[0],
            "failed sign-in counts": AccessAttempt.objects.filter(
                attempt_time__lt=kept_since
            ).delete()[0],
            "failed sign-in log entries": AccessFailureLog.objects.filter(
                attempt_time__lt=kept_since
            ).delete()[0],
            "sign-in log entries": AccessLog.objects.filter(attempt_time__lt=kept_since).delete()[
                0
            ],
            "password reset counts": PasswordResetRequest.objects.no_longer_needed().delete()[0],
        }
        for what, count in deleted.items():
            self.stdout.write(f"Deleted {count} {what}.")
