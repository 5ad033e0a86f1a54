"""The second step of signing in: a code from an authenticator app, or a backup code.

Who needs it (REQUIRE_TWO_FACTOR): administrators always ("staff"); partnership leads too
("leads"); or everyone ("all"). Anyone else who has set up an app uses it as well. For those
people the password alone signs them in only as far as this step: SecondFactorMiddleware sends
every request to the code page, or, for someone who has no app yet, to setting one up. The admin
site asks again for itself (imh_toolkit.admin), so a session that never passed this step cannot
reach it by any route.

Wrong codes count towards the same lockout as wrong passwords (django-axes), and the lockout's
count is cleared only once the whole sign-in has succeeded: a correct password alone does not
give anyone ten more guesses at the code.
"""

import logging
import math
from base64 import b32encode
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from .lockout import client_address, counted_again_on_collision
from .models import BackupCodes, User

security = logging.getLogger("imh.security")

# In the session of anyone with a second step: "verify" or "set-up" until it is passed, "passed"
# after. A session that has one but is not verified (its app was replaced or removed since) is
# sent to the step again.
PENDING_KEY = "_second_step"
VERIFY, SET_UP, PASSED = "verify", "set-up", "passed"
NEW_KEY = "_new_app_key"  # the secret being set up, until the app proves it holds it
# The demo administrator's app, published in the README so `make run` needs no phone. It is
# refused whenever DEBUG is off, so it can never open a production site.
DEMO_KEY = "3132333435363738393031323334353637383930"


def required_for(user: User) -> bool:
    policy = settings.REQUIRE_TWO_FACTOR
    if user.is_staff or user.is_superuser or policy == "all":
        return True
    return policy == "leads" and user.partnership_roles.exists()


def app_of(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def backup_codes_of(user: User) -> BackupCodes | None:
    return BackupCodes.objects.filter(user=user, confirmed=True).first()


def step_needed(user: User) -> str | None:
    """What this person must do after their password: prove a device, set one up, or nothing."""
    if app_of(user) is not None or backup_codes_of(user) is not None:
        return VERIFY
    return SET_UP if required_for(user) else None


def _is_demo(device: Device | None) -> bool:
    return isinstance(device, TOTPDevice) and device.key == DEMO_KEY


def usable(device: Device) -> bool:
    return settings.DEBUG or not _is_demo(device)


@receiver(user_logged_in)
def _after_password(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is None:
        return
    step = step_needed(user)
    if step is None:
        forget_failures(request, user)  # the whole sign-in has succeeded
    else:
        request.session[PENDING_KEY] = step


def verified(request: HttpRequest) -> bool:
    """Whether this session has passed the second step (django-otp's middleware knows)."""
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified is not None and is_verified())


def pending(request: HttpRequest) -> str | None:
    """The step this session still has to pass, if any: worked out afresh (a query or two)
    only for a session that has a second step and is not verified, which is rare."""
    if PENDING_KEY not in request.session:
        return None
    return current_step(request)


def current_step(request: HttpRequest) -> str | None:
    """The step still to pass, working it out afresh for a session that has no record of one
    (one whose person became an administrator after signing in, say)."""
    if not request.user.is_authenticated or verified(request):
        return None
    step = step_needed(request.user)
    if step is None:
        request.session.pop(PENDING_KEY, None)
    else:
        request.session[PENDING_KEY] = step
    return step


def page_for(step: str, request: HttpRequest, next_url: str | None = None) -> str:
    """The step's page, remembering where the person was going (a GET only: a form they
    posted is not posted again)."""
    url = reverse("two_factor_verify" if step == VERIFY else "two_factor_set_up")
    if next_url is None and request.method == "GET":
        next_url = request.get_full_path()
    if next_url and next_url != "/" and safe_next(request, next_url):
        url += "?" + urlencode({"next": next_url})
    return url


def safe_next(request: HttpRequest, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


class SecondFactorMiddleware:
    """Until the second step is done, every page but that step's own and signing out sends the
    person to it. Sits after the session lifetime middleware (an expired session signs out)."""

    # The step itself, signing out, and the pages anyone may read (help among them).
    OPEN = (
        "two_factor_verify",
        "two_factor_set_up",
        "logout",
        "session_status",  # the warning before the session ends works on the steps too
        "keep_alive",
        "help",
        "accessibility",
        "privacy",
        "cookies",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.open_paths: set[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        step = pending(request)
        if step is not None:
            if self.open_paths is None:
                self.open_paths = {reverse(name) for name in self.OPEN}
            if request.path not in self.open_paths:
                return redirect(page_for(step, request))
        return self.get_response(request)


def passed(request: HttpRequest, device: Device) -> None:
    """The second step is done: the session is marked with the device that proved it, under a
    new session key, and the lockout's count for this person and address is cleared."""
    request.session.cycle_key()
    otp_login(request, device)
    request.session[PENDING_KEY] = PASSED
    forget_failures(request, request.user)  # type: ignore[arg-type]
    security.info("second factor passed: user %s device %s", device.user_id, device.persistent_id)


def _credentials(user: User) -> dict[str, str]:
    return {"username": user.email}


def forget_failures(request: HttpRequest, user: User) -> None:
    """Clears the lockout's count for this person from this address (as django-axes would on
    success), and only that: failures from other addresses still count."""
    address = client_address(request)
    if address:
        AxesProxyHandler.reset_attempts(ip_address=address, username=user.email)


def is_locked_out(request: HttpRequest, user: User) -> bool:
    return AxesProxyHandler.is_locked(request, _credentials(user))


def failed(request: HttpRequest, user: User, device: Device | None) -> bool:
    """Counts a wrong code like a wrong password and logs it. Returns whether the person is now
    locked out."""
    security.warning(
        "second factor failed: user %s device %s",
        user.pk,
        device.persistent_id if device is not None else "-",
    )
    counted_again_on_collision(
        lambda: user_login_failed.send(
            sender=__name__, credentials=_credentials(user), request=request
        )
    )
    return bool(getattr(request, "axes_locked_out", False))


def locked_out_page(request: HttpRequest) -> HttpResponse:
    """Signs the half-signed-in person out and shows the lockout page, as a wrong password would."""
    logout(request)
    return render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        {"cooloff_timedelta": settings.AXES_COOLOFF_TIME},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


def wait_before_trying(device: Device | None) -> str | None:
    """How long django-otp's throttle (1, 2, 4, 8… seconds after each wrong code in a row) still
    refuses this device's codes, in words; None if it would check one now."""
    allowed, details = device.verify_is_allowed() if device is not None else (True, None)
    if allowed or not details or "locked_until" not in details:
        return None
    seconds = max(1, math.ceil((details["locked_until"] - timezone.now()).total_seconds()))
    if seconds < 120:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}


def reset(user: User) -> int:
    """Removes every app and backup code of this person and signs them out everywhere (a lost
    phone: the operator's command, a superuser's admin action). They set up a new app at their
    next sign-in if they need one. Returns how many devices were removed."""
    count = 0
    for model in (TOTPDevice, BackupCodes):
        deleted, _ = model.objects.filter(user=user).delete()
        count += deleted
    user.sign_out_everywhere()
    security.warning("second factor reset: user %s", user.pk)
    return count


def new_key(request: HttpRequest) -> str:
    """The secret this session is setting up: made for this session alone and kept in it, so
    a key seen by someone else (with the password, in another session) is never the one set up."""
    if NEW_KEY not in request.session:
        request.session[NEW_KEY] = random_hex(20)
    return str(request.session[NEW_KEY])


def proved_app(request: HttpRequest, user: User, code: str) -> TOTPDevice | None:
    """The app being set up, saved, if the code is the one it shows now; None otherwise."""
    key = request.session.get(NEW_KEY)
    if key is None:
        return None
    app = TOTPDevice(user=user, name="Authenticator app", key=key, confirmed=True)
    totp = TOTP(app.bin_key, app.step, app.t0, app.digits)
    if not totp.verify(int(code), app.tolerance):
        return None
    app.last_t = totp.t()  # the code that proved it is used up
    return app


@transaction.atomic
def replace_app(request: HttpRequest, app: TOTPDevice) -> list[str]:
    """Makes a newly proved app the person's only one, gives them fresh backup codes (returned,
    to be shown once), passes this session's step and signs every other session out: they
    proved themselves with the old app, or with none."""
    user: User = request.user  # type: ignore[assignment]
    TOTPDevice.objects.filter(user=user).delete()
    app.save()
    request.session.pop(NEW_KEY, None)
    security.info("second factor set up: user %s", user.pk)
    passed(request, app)
    user.sign_out_everywhere_else(request)
    return backup_codes_for(user).replace_codes()


def backup_codes_for(user: User) -> BackupCodes:
    """The person's set of backup codes, made (empty) if they have none yet."""
    codes, _ = BackupCodes.objects.get_or_create(
        user=user, defaults={"name": "Backup codes", "confirmed": True}
    )
    return codes


def written_key(device: TOTPDevice) -> str:
    """The secret as people type it into an app that cannot scan: base 32, in fours."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[start : start + 4] for start in range(0, len(key), 4))


def next_code(app: TOTPDevice) -> str:
    """The code the app shows now; or, once that has been used (a code works once), the next
    one, which the app's tolerance of one step accepts."""
    totp = TOTP(app.bin_key, app.step, app.t0, app.digits, app.drift)
    if totp.t() <= app.last_t:
        totp.drift += 1
    return f"{totp.token():0{app.digits}d}"


def demo_code(app: TOTPDevice | None) -> str | None:
    """The demo administrator's code, shown on the page in development only."""
    if not settings.DEBUG or app is None or not _is_demo(app):
        return None
    return next_code(app)
