"""Passwords must not contain a partnership's name either (accounts.passwords has the rest)."""

from accounts.passwords import ServiceWordsValidator

from .models import Partnership


class ServiceAndPartnershipWordsValidator(ServiceWordsValidator):
    def names_around(self) -> list[str]:
        return list(Partnership.objects.values_list("name", flat=True))
