import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> "User":
        # People type their address in whatever case they like; we store it lower-cased.
        return self.get(email=(username or "").strip().lower())

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        if not email:
            raise ValueError("Users need an e-mail address.")
        user = self.model(email=email.strip().lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their e-mail address."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(
        "administrator",
        default=False,
        help_text="Administrators can sign in to the admin site to maintain checklists and teams.",
    )
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Untick instead of deleting, so the person's past ratings keep their name.",
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # Grows when the person signs out of every other device: each session carries a hash of it,
    # so every other session stops matching at once (see _get_session_auth_hash).
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django's hash of the password, with the session generation added: a new password or a
        # new generation ends every session that does not hold the new hash.
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def sign_out_everywhere_else(self, request: Any) -> None:
        """End every other session of this person; the one making the request stays."""
        from django.contrib.auth import update_session_auth_hash

        User.objects.filter(pk=self.pk).update(
            session_generation=models.F("session_generation") + 1
        )
        self.refresh_from_db(fields=["session_generation"])
        update_session_auth_hash(request, self)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class PasswordResetRequestQuerySet(models.QuerySet["PasswordResetRequest"]):
    def in_the_last_hour(self) -> "PasswordResetRequestQuerySet":
        return self.filter(requested_at__gte=timezone.now() - datetime.timedelta(hours=1))

    def no_longer_needed(self) -> "PasswordResetRequestQuerySet":
        """Older than a day: no limit counts them any more."""
        return self.filter(requested_at__lt=timezone.now() - datetime.timedelta(days=1))


class PasswordResetRequest(models.Model):
    """One request for a reset link, counted so that nobody can flood an inbox or probe many
    addresses. Kept in the database, so the limits hold across every process and machine. The
    address is kept only as a keyed hash: requests for addresses nobody has are counted too."""

    email_digest = models.CharField(max_length=64)
    client_address = models.GenericIPAddressField(null=True)
    requested_at = models.DateTimeField(default=timezone.now)

    objects = PasswordResetRequestQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["email_digest", "requested_at"]),
            models.Index(fields=["client_address", "requested_at"]),
        ]

    def __str__(self) -> str:
        return f"Reset requested at {self.requested_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def digest(email: str) -> str:
        return salted_hmac(
            "password-reset-request", email.strip().lower(), algorithm="sha256"
        ).hexdigest()

    @classmethod
    @transaction.atomic
    def record_and_allow(cls, *, email: str, client_address: str | None) -> bool:
        """Records this request, then says whether it is within the hour's limits. Counting
        after recording means two requests at once can never both slip under a limit."""
        digest = cls.digest(email)
        cls.objects.create(email_digest=digest, client_address=client_address or None)
        cls.objects.no_longer_needed().delete()
        recent = cls.objects.in_the_last_hour()
        return recent.filter(
            email_digest=digest
        ).count() <= settings.PASSWORD_RESET_LIMIT_PER_EMAIL and (
            not client_address
            or recent.filter(client_address=client_address).count()
            <= settings.PASSWORD_RESET_LIMIT_PER_CLIENT
        )
