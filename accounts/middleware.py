import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import ngettext

REFRESH_KEY = "_session_refreshed_at"
STARTED_KEY = "_session_started_at"


class IdleSessionMiddleware:
    """Ends sessions SESSION_COOKIE_AGE after the last request, to within a few seconds.

    Django's SESSION_SAVE_EVERY_REQUEST would write the session row on every request; pushing
    the expiry on only when the last push is older than SESSION_REFRESH_SECONDS (5) saves the
    write for bursts of requests (a page and its downloads, a double click, a load test) while
    the idle time still counts from the last request: a session ends at most that many seconds
    early, never late. (With a minute between pushes it ended up to a minute early.) Sits after
    SessionMiddleware, whose response phase then saves the marked session.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.session_key is None or session.is_empty():
            return response
        if getattr(request, "leaves_session_idle", False):  # a page asking how long is left
            return response
        now = int(time.time())
        if now - int(session.get(REFRESH_KEY, 0)) >= settings.SESSION_REFRESH_SECONDS:
            session[REFRESH_KEY] = now
        return response


class NoStoreWhenSignedInMiddleware:
    """Nothing behind sign-in is kept in a browser's or proxy's cache.

    On a shared computer in a children's centre, the back button or the cache must not show the
    previous person's evidence or reports. Every response to a signed-in person (pages, PDFs,
    CSV and Excel files, error pages) says no-store. Static files never get here: whitenoise
    answers them higher up, so they stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class AbsoluteSessionLifetimeMiddleware:
    """Signs a person out SESSION_MAX_HOURS after they signed in, however active they are.

    The first request of a signed-in session records when it began (sign-in replaces the session,
    so that is the sign-in). Once the limit has passed, the person is signed out before the view
    runs, so they land on the sign-in page, which says why. Sits after the authentication and
    message middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            started = int(request.session.setdefault(STARTED_KEY, now))
            if now - started >= settings.SESSION_MAX_SECONDS:
                logout(request)
                messages.info(
                    request,
                    ngettext(
                        "You were signed out because you had been signed in for %(hours)d "
                        "hour. Sign in again to carry on.",
                        "You were signed out because you had been signed in for %(hours)d "
                        "hours. Sign in again to carry on.",
                        settings.SESSION_MAX_SECONDS // 3600,
                    )
                    % {"hours": settings.SESSION_MAX_SECONDS // 3600},
                )
        return self.get_response(request)
