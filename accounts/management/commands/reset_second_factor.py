"""Remove a person's authenticator app and backup codes, for someone who has lost their phone."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import two_factor
from accounts.models import User


class Command(BaseCommand):
    help = (
        "Remove the authenticator app and backup codes of the person with this e-mail address. "
        "If they need a second factor, they set up a new app when they next sign in. Check who "
        "is asking first: this is what an attacker with the password would want."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="the person's e-mail address")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        user = User.objects.filter(email=email).first()
        if user is None:
            raise CommandError(f"Nobody has the e-mail address {email!r}.")
        removed = two_factor.reset(user)
        if removed:
            self.stdout.write(
                f"Removed the authenticator app and backup codes of {email} and signed them "
                "out everywhere. "
                + (
                    "They will set up a new app when they next sign in."
                    if two_factor.required_for(user)
                    else "They sign in with their password alone until they set up a new app."
                )
            )
        else:
            self.stdout.write(
                f"{email} had no authenticator app or backup codes; signed them out everywhere."
            )
