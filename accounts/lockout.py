"""Who is signing in, as the lockout and the logs see them: their e-mail and their address."""

import ipaddress
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.http import HttpRequest


def username_for_lockout(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The e-mail address as we store it, so 'Sam@X' and 'sam@x' share one failure count."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    # django-axes keeps it in a 255-character column; no e-mail address is longer than 254.
    return str(raw).strip().lower()[:255]


def client_address(request: HttpRequest) -> str:
    """The address of the person's computer, for the lockout, rate limits and logs.

    With PROXY_COUNT = 0 it is the connection's own address. Behind PROXY_COUNT reverse proxies
    each proxy appends the address it was connected from to X-Forwarded-For, so the entry that
    many places from the end was written by our first proxy: the client it saw. Entries further
    left came from the client and may be made up, so they are never used. A request with fewer
    entries did not come through every proxy; it gets the connection's address.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    count = settings.PROXY_COUNT
    if not count:
        return remote
    forwarded = [
        entry.strip() for entry in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
    ]
    forwarded = [entry for entry in forwarded if entry]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def counted_again_on_collision[T](attempt: Callable[[], T]) -> T:
    """Runs a step that counts a failed sign-in (a wrong password or code), once more if its
    count collided. django-axes gets the person's count, or creates it when there is none; a
    right password or code at the same moment can clear the count between the two, and then it
    is neither found nor made (IntegrityError). The second time, the count is simply gone."""
    try:
        return attempt()
    except IntegrityError:
        return attempt()
