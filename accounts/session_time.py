"""How long a signed-in session has left: for the warning a page shows before it ends, and for
the page's own question, asked just before warning, of whether activity elsewhere (another tab)
has pushed the end on since.

A session ends at the first of two limits: SESSION_COOKIE_AGE after the last request (pushed
on by accounts.middleware.IdleSessionMiddleware, at most every SESSION_REFRESH_SECONDS), and
SESSION_MAX_SECONDS after signing in, which nothing extends.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from .middleware import REFRESH_KEY, STARTED_KEY


@dataclass(frozen=True)
class TimeLeft:
    seconds: int
    # Whether staying active pushes the end on: not when the limit since signing in comes first.
    can_extend: bool

    def as_json(self) -> dict[str, object]:
        """What the page's script is told (static/js/timeout.mjs)."""
        return {
            "signed_in": self.seconds > 0,
            "seconds_left": self.seconds,
            "can_extend": self.can_extend,
            "warn_seconds": warning_seconds(),
        }


SIGNED_OUT = TimeLeft(seconds=0, can_extend=False)


def leave_idle(request: HttpRequest) -> None:
    """This request is not activity: IdleSessionMiddleware leaves the session's end alone."""
    request.leaves_session_idle = True  # type: ignore[attr-defined]


def keep_alive(request: HttpRequest) -> None:
    """The person asked to stay signed in: the idle end moves on from now."""
    request.session[REFRESH_KEY] = int(time.time())


def warning_seconds() -> int:
    """How long before the end the warning shows: two minutes, or half a very short session."""
    return min(settings.SESSION_WARNING_SECONDS, settings.SESSION_COOKIE_AGE // 2)


def time_left(request: HttpRequest, *, counting_this_request: bool) -> TimeLeft:
    """What is left of the person's session. `counting_this_request`: as it will be once this
    request has pushed the idle end on (a page, a keep-alive), rather than as it stands (the
    page's question, which must not itself count as activity)."""
    if not request.user.is_authenticated:
        return SIGNED_OUT
    now = int(time.time())
    session = request.session
    refreshed = int(session.get(REFRESH_KEY, now))
    if counting_this_request and now - refreshed >= settings.SESSION_REFRESH_SECONDS:
        refreshed = now  # IdleSessionMiddleware pushes the end on as this response goes out
    idle = refreshed + settings.SESSION_COOKIE_AGE - now
    absolute = int(session.get(STARTED_KEY, now)) + settings.SESSION_MAX_SECONDS - now
    return TimeLeft(seconds=max(0, min(idle, absolute)), can_extend=idle < absolute)
