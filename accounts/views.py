"""The signed-in person's own account: the second step of signing in and setting it up, changing
the password, signing out of other devices."""

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_POST
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import session_time, two_factor
from .forms import GdsPasswordChangeForm, NewAppForm, SecondStepForm
from .models import BackupCodes, User


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    codes = two_factor.backup_codes_of(user)
    return render(
        request,
        "registration/account.html",
        {
            "app": two_factor.app_of(user),
            "backup_codes_left": codes.remaining() if codes is not None else None,
            "second_factor_required": two_factor.required_for(user),
        },
    )


@login_required
def change_password(request: HttpRequest) -> HttpResponse:
    form = GdsPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)  # this device stays signed in; others do not
        messages.success(
            request,
            gettext(
                "Your password has been changed. Any other device that was signed in as you "
                "has been signed out."
            ),
        )
        return redirect("account")
    return render(request, "registration/password_change_form.html", {"form": form})


@login_required
@require_POST
def sign_out_elsewhere(request: HttpRequest) -> HttpResponse:
    request.user.sign_out_everywhere_else(request)  # type: ignore[union-attr]
    messages.success(
        request,
        gettext("You have been signed out of every other device. You are still signed in here."),
    )
    return redirect("account")


def _next_of(request: HttpRequest) -> str:
    """Where the person was going, if it is on this site."""
    asked = request.POST.get("next") or request.GET.get("next")
    return two_factor.safe_next(request, asked) or ""


def _onward(request: HttpRequest) -> str:
    return _next_of(request) or reverse(settings.LOGIN_REDIRECT_URL)


def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user: User = request.user
    step = two_factor.current_step(request)
    if step is None:
        return redirect(_onward(request))
    if step == two_factor.SET_UP:
        return redirect(two_factor.page_for(step, request, request.GET.get("next")))
    if two_factor.is_locked_out(request, user):
        return two_factor.locked_out_page(request)
    app = two_factor.app_of(user)
    form = SecondStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = "".join(form.cleaned_data["code"].split())  # apps show "123 456"
        device: Device | None = (
            app if code.isascii() and code.isdigit() else two_factor.backup_codes_of(user)
        )
        wait = two_factor.wait_before_trying(device)
        if (
            device is not None
            and two_factor.usable(device)
            # django-otp's verify_token: the device row is locked while the code is checked,
            # so two requests with one code cannot both pass.
            and django_otp.verify_token(user, device.persistent_id, code) is not None
        ):
            two_factor.passed(request, device)
            if isinstance(device, BackupCodes):
                left = device.remaining()
                messages.warning(
                    request,
                    ngettext(
                        "You used a backup code. You have %(left)d left: each works once. Make "
                        "new ones from your account page when you are running out.",
                        "You used a backup code. You have %(left)d left: each works once. Make "
                        "new ones from your account page when you are running out.",
                        left,
                    )
                    % {"left": left},
                )
            return redirect(_onward(request))
        if two_factor.failed(request, user, device):
            return two_factor.locked_out_page(request)
        form.add_error(
            "code",
            gettext(
                "You have entered several wrong codes. Wait %(wait)s before trying again, or "
                "use a backup code"
            )
            % {"wait": wait}
            if wait
            else gettext(
                "That code is not right. Enter the code your authenticator app shows now (it "
                "changes every 30 seconds), or a backup code"
            ),
        )
    return render(
        request,
        "registration/two_factor_verify.html",
        {
            "form": form,
            "next": _next_of(request),
            "demo_code": two_factor.demo_code(app),
            "second_step": True,
        },
    )


@login_required
def set_up(request: HttpRequest) -> HttpResponse:
    """Setting up an authenticator app: scan the QR code or type the key, then prove it with a
    code. Replaces any app the person had, but only once this session has passed the step with
    it (or a backup code)."""
    user: User = request.user  # type: ignore[assignment]
    if not two_factor.verified(request) and two_factor.step_needed(user) == two_factor.VERIFY:
        return redirect(two_factor.page_for(two_factor.VERIFY, request, request.GET.get("next")))
    form = NewAppForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        app = two_factor.proved_app(request, user, form.cleaned_data["code"])
        if app is not None:
            codes = two_factor.replace_app(request, app)
            messages.success(request, gettext("Your authenticator app is set up."))
            return _show_codes(request, codes)
        form.add_error(
            "code",
            gettext(
                "That code is not right. Check the app shows the IMH workforce toolkit and your "
                "e-mail address, then enter the code it shows now"
            ),
        )
    key = two_factor.new_key(request)
    app = TOTPDevice(user=user, key=key)
    return render(
        request,
        "registration/two_factor_set_up.html",
        {
            "form": form,
            "next": _next_of(request),
            "second_step": two_factor.pending(request) is not None,
            "replacing": two_factor.app_of(user) is not None,
            "qr_code": segno.make(app.config_url, error="m").svg_data_uri(scale=5, border=2),
            "key": two_factor.written_key(app),
        },
    )


def _show_codes(request: HttpRequest, codes: list[str]) -> HttpResponse:
    """New backup codes, in the response to the POST that made them: they are never stored
    where they could be read back, not even in the session."""
    return render(
        request,
        "registration/backup_codes.html",
        {"codes": codes, "onward": _next_of(request) or reverse("account")},
    )


@login_required
def backup_codes(request: HttpRequest) -> HttpResponse:
    """How many backup codes are left, with a button for new ones (shown once)."""
    user: User = request.user  # type: ignore[assignment]
    if not two_factor.verified(request):
        return redirect("account")
    if request.method == "POST":
        two_factor.security.info("backup codes replaced: user %s", user.pk)
        return _show_codes(request, two_factor.backup_codes_for(user).replace_codes())
    device = two_factor.backup_codes_of(user)
    return render(
        request,
        "registration/backup_codes.html",
        {"remaining": device.remaining() if device is not None else 0},
    )


@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    """How long the session has left, for the warning before it ends. Asking is not activity:
    it never pushes the end on, so a page left open does not keep itself signed in."""
    session_time.leave_idle(request)
    return JsonResponse(session_time.time_left(request, counting_this_request=False).as_json())


@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """ "Stay signed in": the session's idle end moves on. The page's script is answered with
    how long is left now; a browser posting the form itself goes back to its page."""
    if request.user.is_authenticated:
        session_time.keep_alive(request)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(session_time.time_left(request, counting_this_request=True).as_json())
    if not request.user.is_authenticated:
        return redirect_to_login(_onward(request))
    return redirect(_onward(request))
