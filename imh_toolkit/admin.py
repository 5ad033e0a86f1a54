"""The admin site, open only to a session that has passed the second step of signing in.

Its own sign-in page is not used: people sign in on the service's page, which leads through
the second step. Someone signed in who may not use the admin site gets the ordinary 403 page.
"""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import two_factor


class SecondFactorAdminSite(admin.AdminSite):
    site_header = _("IMH workforce toolkit administration")
    site_title = _("IMH workforce toolkit admin")
    index_title = _("Checklists, partnerships, teams and people")

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and two_factor.verified(request)

    def login(self, request: HttpRequest, extra_context: object = None) -> HttpResponse:
        next_url = two_factor.safe_next(request, request.GET.get("next")) or reverse(
            "admin:index", current_app=self.name
        )
        if not request.user.is_authenticated:
            return redirect_to_login(next_url)
        step = two_factor.current_step(request)
        if step is not None:
            return redirect(two_factor.page_for(step, request, next_url))
        if self.has_permission(request):
            return redirect(next_url)
        raise PermissionDenied

    def password_change(  # type: ignore[override]  # a redirect, not a TemplateResponse
        self, request: HttpRequest, extra_context: object = None
    ) -> HttpResponse:
        """The service's own page (GOV.UK form, current password, other devices signed out);
        the admin's would render it without its button."""
        return redirect("password_change")
