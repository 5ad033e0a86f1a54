"""The pages a public service must have, open to everyone and linked from every page's footer:
help and contact, the accessibility statement, the privacy notice and the cookies page.

What they say about this installation comes from its settings (who runs it, how long records
are kept, the cookies' names) and, for someone signed in, from their own partnerships' leads,
so the pages stay true when an operator changes a setting.
"""

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext, ngettext

from accounts import two_factor
from partnerships.models import Partnership, PartnershipLead


def _operator() -> dict[str, str]:
    return {
        "name": settings.OPERATOR_NAME,
        "email": settings.OPERATOR_EMAIL,
        "phone": settings.OPERATOR_PHONE,
    }


def _session_limits() -> dict[str, int]:
    """How long being signed in lasts: idle minutes, and hours after signing in."""
    return {
        "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
        "max_hours": settings.SESSION_MAX_SECONDS // 3600,
    }


def help_page(request: HttpRequest) -> HttpResponse:
    # Someone half signed in (password right, second step not passed) is told nothing more
    # than a visitor: the leads' addresses are for people who have signed in.
    user = request.user
    leads = PartnershipLead.objects.none()
    signed_in = False
    if user.is_authenticated and two_factor.current_step(request) is None:
        signed_in = True
        leads = (
            PartnershipLead.objects.filter(
                partnership__in=Partnership.objects.of_person(user), user__is_active=True
            )
            .exclude(user=user)  # a lead reading help is not their own contact
            .select_related("user", "partnership")
            .order_by("partnership__name", "user__full_name", "user__email")
        )
    return render(
        request,
        "info/help.html",
        {
            "operator": _operator(),
            "signed_in": signed_in,
            "leads": leads,
            "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "info/accessibility.html",
        {"operator": _operator()},
    )


def privacy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "info/privacy.html",
        {
            "operator": _operator(),
            "data_protection_email": settings.DATA_PROTECTION_EMAIL,
            "lawful_basis": settings.PRIVACY_LAWFUL_BASIS,
            "record_days": settings.RECORD_RETENTION_DAYS,
            **_session_limits(),
            "breached_password_check": any(
                str(validator["NAME"]).endswith("BreachedPasswordValidator")
                for validator in settings.AUTH_PASSWORD_VALIDATORS
            ),
        },
    )


def cookies(request: HttpRequest) -> HttpResponse:
    limits = _session_limits()
    idle_minutes, max_hours = limits["idle_minutes"], limits["max_hours"]
    csrf_days = settings.CSRF_COOKIE_AGE // (24 * 60 * 60)
    session_ends = ngettext(
        "After %(minutes)s minute without activity, ",
        "After %(minutes)s minutes without activity, ",
        idle_minutes,
    ) % {"minutes": idle_minutes} + ngettext(
        "%(hours)s hour after signing in, or when you sign out",
        "%(hours)s hours after signing in, or when you sign out",
        max_hours,
    ) % {"hours": max_hours}
    table = [
        (
            settings.SESSION_COOKIE_NAME,
            gettext(
                "Keeps you signed in from page to page, and remembers the second step of "
                "signing in."
            ),
            session_ends,
        ),
        (
            settings.CSRF_COOKIE_NAME,
            gettext("Stops other websites sending forms to this service as if they were you."),
            ngettext("%(days)s day", "%(days)s days", csrf_days) % {"days": csrf_days},
        ),
        (
            CookieStorage.cookie_name,
            gettext(
                "Carries a message, such as “Your answers are saved”, to the next page you see."
            ),
            gettext("When the message has been shown, or when you close your browser"),
        ),
    ]
    return render(request, "info/cookies.html", {"cookies": table})
