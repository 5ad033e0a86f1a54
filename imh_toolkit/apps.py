"""Django's admin and two libraries' apps, each with our site or a name an admin understands."""

from pathlib import Path

from axes.apps import AppConfig as AxesConfig
from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.core.cache import caches
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPConfig
from django_tasks_db.apps import TasksAppConfig


class SecondFactorAdminConfig(AdminConfig):
    """Django's admin, with our site: it asks for the second step of signing in."""

    default_site = "imh_toolkit.admin.SecondFactorAdminSite"


class BackgroundTasksConfig(TasksAppConfig):
    """django-tasks-db, named for what an admin finds in it: the e-mails queued and sent."""

    verbose_name = _("Background tasks")  # type: ignore[assignment]  # lazy, as Django allows


class LockoutsConfig(AxesConfig):
    """django-axes, named for what an admin finds in it (it names itself "Axes")."""

    verbose_name = _("Sign-in attempts and lockouts")


class AuthenticatorAppsConfig(TOTPConfig):
    """django-otp's authenticator apps (it names itself "Otp_Totp")."""

    verbose_name = _("Authenticator apps")

    def ready(self) -> None:
        super().ready()
        from django_otp.plugins.otp_totp.models import TOTPDevice

        # Its model names itself "TOTP device", in English only; admins know it as an app.
        TOTPDevice._meta.verbose_name = _("authenticator app")
        TOTPDevice._meta.verbose_name_plural = _("authenticator apps")


class ImhToolkitConfig(AppConfig):
    """The project itself: its deployment checks."""

    name = "imh_toolkit"
    verbose_name = _("IMH workforce toolkit")

    def ready(self) -> None:
        from django.utils.autoreload import file_changed

        from . import checks  # noqa: F401  (registers them)

        file_changed.connect(forget_chrome)


def forget_chrome(sender: object, file_path: Path, **kwargs: object) -> None:
    """runserver keeps serving after a template changes: render the cached chrome afresh."""
    if file_path.suffix == ".html":
        caches["chrome"].clear()
