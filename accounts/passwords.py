"""A password must not be made of the words around it: an attacker tries those first."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy
from pwned_passwords_django.api import PwnedPasswords
from pwned_passwords_django.validators import PwnedPasswordsValidator

# The service, the toolkit and the organisations everyone here works with.
SERVICE_WORDS = {"toolkit", "imh", "nhs", "unicef", "pedal", "partnership", "workforce"}
# Words too ordinary in partnership names to refuse (people use them in passwords everywhere).
ORDINARY = {"children", "families", "family", "health", "council", "borough", "county"}


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _words(text: str, *, shortest: int) -> set[str]:
    return {word for word in re.split(r"[^a-z0-9]+", text.lower()) if len(word) >= shortest}


class ServiceWordsValidator:
    """Refuses a password containing the service's own words, a partnership's name, or the
    person's own name or e-mail address, in any case and with any punctuation between."""

    def names_around(self) -> list[str]:
        """Names of the places and bodies people work with; partnerships.passwords adds the
        partnerships'."""
        return []

    def words_for(self, user: Any) -> set[str]:
        words = set(SERVICE_WORDS)
        for name in self.names_around():
            words |= _words(name, shortest=6) - ORDINARY
        if user is not None:
            words |= _words(getattr(user, "full_name", "") or "", shortest=3)
            email = getattr(user, "email", "") or ""
            local, _, domain = email.partition("@")
            words |= _words(local, shortest=3) | _words(domain.split(".")[0], shortest=4)
        return words

    def validate(self, password: str, user: Any = None) -> None:
        plain = _letters(password)
        if any(word in plain for word in self.words_for(user)):
            raise ValidationError(self.get_help_text(), code="password_has_service_words")

    def get_help_text(self) -> str:
        return gettext(
            "Your password cannot contain the name of this service or of your partnership, "
            "or your own name or e-mail address."
        )


class BreachedPasswordValidator(PwnedPasswordsValidator):
    """Refuses a password that appears in known data breaches, asking Have I Been Pwned's
    range API (k-anonymity: only the first five characters of the password's SHA-1 leave the
    server). Off unless BREACHED_PASSWORD_CHECK is on, because many NHS networks block outbound
    calls; if the API cannot be reached, Django's list of common passwords decides instead."""

    def __init__(self, api_endpoint: str) -> None:
        client = PwnedPasswords()
        client.api_endpoint = api_endpoint
        super().__init__(
            error_message=gettext_lazy(
                "This password has appeared in a data breach elsewhere, so attackers try it "
                "first. Choose a different one."
            ),
            api_client=client,
        )
