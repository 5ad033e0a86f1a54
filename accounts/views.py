"""The signed-in person's own account: change the password, sign out of other devices."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .forms import GdsPasswordChangeForm


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/account.html")


@login_required
def change_password(request: HttpRequest) -> HttpResponse:
    form = GdsPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)  # this device stays signed in; others do not
        messages.success(
            request,
            "Your password has been changed. Any other device that was signed in as you has "
            "been signed out.",
        )
        return redirect("account")
    return render(request, "registration/password_change_form.html", {"form": form})


@login_required
@require_POST
def sign_out_elsewhere(request: HttpRequest) -> HttpResponse:
    request.user.sign_out_everywhere_else(request)  # type: ignore[union-attr]
    messages.success(
        request, "You have been signed out of every other device. You are still signed in here."
    )
    return redirect("account")
