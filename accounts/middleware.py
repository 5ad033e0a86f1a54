import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

REFRESH_KEY = "_session_refreshed_at"


class IdleSessionMiddleware:
    """Ends sessions after SESSION_COOKIE_AGE without a request, writing at most once a minute.

    Django's SESSION_SAVE_EVERY_REQUEST would write the session row on every request; pushing
    the expiry on only when the last push is older than SESSION_REFRESH_SECONDS keeps the idle
    time to within that margin and saves a database write on almost every page. Sits after
    SessionMiddleware, whose response phase then saves the marked session.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.session_key is None or session.is_empty():
            return response
        now = int(time.time())
        if now - int(session.get(REFRESH_KEY, 0)) >= settings.SESSION_REFRESH_SECONDS:
            session[REFRESH_KEY] = now
        return response
