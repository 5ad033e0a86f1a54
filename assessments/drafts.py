"""Nothing typed is lost when a session ends before a save arrives (a long meeting, a laptop
asleep, no JavaScript to warn): the save is kept, the person signs in, and the page comes
back with what they typed, for them to check and save.

The page carries a signed token naming the assessment and the person the page was made for.
A save that arrives signed out is kept in the (new, anonymous) session only if the token is
genuine and names that assessment; after signing in it is given back once, and only to that
person. Anyone else who signs in on the browser gets nothing of it, and it is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.translation import gettext

DRAFT_KEY = "assessments.draft"
_SALT = "assessments.drafts.owner"
_MAX_AGE = 24 * 60 * 60  # a page left open for more than a day: its token no longer restores
_NOT_KEPT = ("csrfmiddlewaretoken", "owner")
_PAGE_ARGS = ("pk", "section")  # of a route's arguments, those its page takes too


def owner_token(assessment_id: int, user_id: int) -> str:
    """For a hidden field of the page's form: which assessment, and for whom."""
    return signing.dumps([assessment_id, user_id], salt=_SALT)


def _owner(token: str) -> tuple[int, int] | None:
    try:
        assessment_id, user_id = signing.loads(token, salt=_SALT, max_age=_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(assessment_id, int) or not isinstance(user_id, int):
        return None
    return assessment_id, user_id


def signed_in_or_kept(page: str) -> Callable[..., Callable[..., HttpResponse]]:
    """For a POST route of the journey: someone signed in goes through; a signed-out save
    is kept (when its token is genuine) and the person goes to sign in, then back to `page`
    (the page the form was on, never a POST-only route, which would answer 405). `page`
    takes the route's `pk` and `section`, those it has. Signed out, a GET goes to sign in
    and back, as with @login_required."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.is_authenticated:
                return view(request, *args, **kwargs)
            if request.method != "POST":
                return redirect_to_login(request.get_full_path())
            pk = kwargs.get("pk")
            back = reverse(page, kwargs={k: v for k, v in kwargs.items() if k in _PAGE_ARGS})
            owner = _owner(request.POST.get("owner", ""))
            typed = any(key.startswith("item-") or key == "reason" for key in request.POST)
            if owner is not None and owner[0] == pk and typed:
                request.session[DRAFT_KEY] = {
                    "assessment": pk,
                    "page": back,
                    "user": owner[1],
                    "data": {
                        key: value for key, value in request.POST.items() if key not in _NOT_KEPT
                    },
                }
                messages.info(
                    request,
                    gettext(
                        "You were signed out before your answers were saved. Sign in again "
                        "and we will put back what you typed, for you to check and save."
                    ),
                )
            elif typed:
                messages.warning(
                    request,
                    gettext(
                        "You were signed out, and your last changes could not be kept. Sign "
                        "in again to carry on."
                    ),
                )
            return redirect_to_login(back)

        return wrapper

    return decorator


def take_draft(request: HttpRequest, assessment_id: int) -> QueryDict | None:
    """What the person typed before being signed out, once, if it was theirs: on the page it
    was typed on (a section's draft is not another section's)."""
    draft = request.session.get(DRAFT_KEY)
    if not isinstance(draft, dict) or draft.get("assessment") != assessment_id:
        return None
    if draft.get("page") != request.path:
        return None
    del request.session[DRAFT_KEY]
    if draft.get("user") != request.user.pk:
        return None  # someone else signed in on this browser: nothing of it is theirs
    data = QueryDict(mutable=True)
    for key, value in dict(draft.get("data") or {}).items():
        data[str(key)] = str(value)
    return data
