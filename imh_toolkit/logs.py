"""Logs that answer "who did this": one line per event, with its request, person and address.

Every line reads

    2026-12-01T10:15:02Z INFO request=3f2a… user=42 client=198.51.100.7 imh.access GET / 200 41ms

The time is UTC; `user` is the account's id (never an e-mail or a name; `-` when nobody is signed
in); `client` is the address from accounts.lockout.client_address, so it is right behind a proxy.
Messages carry identifiers only, never text a person typed. Each response also carries the
request id in an X-Request-ID header, so a person reporting a problem can quote it.
"""

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from accounts.lockout import client_address

_request: ContextVar[HttpRequest | None] = ContextVar("request", default=None)
access = logging.getLogger("imh.access")


class RequestContextMiddleware:
    """Makes the request known to every log line written while it is handled, and writes the
    access log: one line per request, after the response. Sits after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = uuid.uuid4().hex  # type: ignore[attr-defined]
        # Forgotten when the response is finished (below), not on the way out of here: Django
        # writes its own line about an error response ("Not Found: …") after every middleware.
        _request.set(request)
        started = time.perf_counter()
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        access.info(
            "%s %s %s %dms",
            request.method,
            _without_secrets(request),
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response


def _without_secrets(request: HttpRequest) -> str:
    """The path, with any token in it (an invitation's, a password reset's) left out: a log is
    read by more people than should be able to use the link."""
    match = request.resolver_match
    token = match.kwargs.get("token") if match is not None else None
    return request.path.replace(token, "[token]") if token else request.path


@receiver(request_finished)
def _forget_request(**kwargs: object) -> None:
    _request.set(None)


def _user_id(request: HttpRequest) -> str:
    # Only a user already loaded for this request: logging must never query the database.
    user = getattr(request, "_cached_user", None)
    return str(user.pk) if user is not None and user.is_authenticated else "-"


class RequestContextFilter(logging.Filter):
    """Adds request_id, user_id and client to every record (a dash outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = _request.get()
        if request is None:
            record.request_id = record.user_id = record.client = "-"
        else:
            record.request_id = getattr(request, "request_id", "-")
            record.user_id = _user_id(request)
            record.client = client_address(request) or "-"
        return True


# The secret parts of the paths whose links are secrets (an invitation's, a password reset's),
# wherever a line quotes them: Django's own lines about a refused or failed request too.
_SECRET_PATHS = re.compile(r"(/join/|/password-reset/)(?!sent/|complete/)[^\s\"'?]+")


class UTCFormatter(logging.Formatter):
    """Every line in UTC, with the request's context, and no link's secret in it."""

    converter = staticmethod(time.gmtime)

    def format(self, record: logging.LogRecord) -> str:
        return _SECRET_PATHS.sub(r"\1[token]/", super().format(record))

    def __init__(self) -> None:
        super().__init__(
            fmt="%(asctime)s %(levelname)s request=%(request_id)s user=%(user_id)s "
            "client=%(client)s %(name)s %(message)s",
            datefmt="%Y-%m-%dT%H:%M:%SZ",
        )
