from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as account_views
from accounts.forms import EmailAuthenticationForm, GdsPasswordResetForm, GdsSetPasswordForm

from . import pages

urlpatterns = [
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("sign-in/code/", account_views.verify, name="two_factor_verify"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(form_class=GdsPasswordResetForm),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=GdsSetPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("session/", account_views.session_status, name="session_status"),
    path("session/keep-alive/", account_views.keep_alive, name="keep_alive"),
    path("account/", account_views.account, name="account"),
    path("account/password/", account_views.change_password, name="password_change"),
    path(
        "account/sign-out-elsewhere/",
        account_views.sign_out_elsewhere,
        name="sign_out_elsewhere",
    ),
    path("account/two-factor/set-up/", account_views.set_up, name="two_factor_set_up"),
    path("account/two-factor/backup-codes/", account_views.backup_codes, name="backup_codes"),
    path("help/", pages.help_page, name="help"),
    path("accessibility/", pages.accessibility, name="accessibility"),
    path("privacy/", pages.privacy, name="privacy"),
    path("cookies/", pages.cookies, name="cookies"),
    path("admin/", admin.site.urls),
    path("", include("assessments.urls")),
    path("", include("reports.urls")),
    path("", include("partnerships.urls")),
]

handler400 = "imh_toolkit.views.bad_request"
handler403 = "imh_toolkit.views.permission_denied"
handler404 = "imh_toolkit.views.page_not_found"
handler500 = "imh_toolkit.views.server_error"
