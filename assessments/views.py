from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import User

from .models import Partnership, Round, Team


class SignedInRequest(HttpRequest):
    """A request behind @login_required: its user is a real account."""

    user: User


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    open_rounds = Round.objects.visible_to(user).open_on(today).select_related("partnership")
    return render(
        request,
        "assessments/home.html",
        {
            "teams": Team.objects.of_member(user).for_home(),
            "led_partnerships": Partnership.objects.filter(leads__user=user),
            "open_rounds": open_rounds,
        },
    )
