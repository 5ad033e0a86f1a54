import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import PermissionsMixin
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import get_random_string, salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin


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


class User(AbstractBaseUser, PermissionsMixin):  # type: ignore[django-manager-missing]
    """A person who signs in with their e-mail address."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(max_length=150, blank=True, verbose_name=_("full name"))
    is_staff = models.BooleanField(
        _("administrator"),
        default=False,
        help_text=_(
            "Administrators can sign in to the admin site to maintain checklists and teams."
        ),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Untick instead of deleting, so the person's past ratings keep their name."),
    )
    date_joined = models.DateTimeField(default=timezone.now, verbose_name=_("date joined"))
    # Grows when the person signs out of every other device: each session carries a hash of it,
    # so every other session stops matching at once (see _get_session_auth_hash).
    session_generation = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=_("session generation")
    )

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
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

    def sign_out_everywhere(self) -> None:
        """End every session of this person."""
        User.objects.filter(pk=self.pk).update(
            session_generation=models.F("session_generation") + 1
        )
        self.refresh_from_db(fields=["session_generation"])

    def sign_out_everywhere_else(self, request: Any) -> None:
        """End every other session of this person; the one making the request stays."""
        from django.contrib.auth import update_session_auth_hash

        self.sign_out_everywhere()
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

    email_digest = models.CharField(max_length=64, verbose_name=_("email digest"))
    client_address = models.GenericIPAddressField(null=True, verbose_name=_("client address"))
    requested_at = models.DateTimeField(default=timezone.now, verbose_name=_("requested at"))

    objects = PasswordResetRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("password reset request")
        verbose_name_plural = _("password reset requests")
        indexes = [
            models.Index(fields=["email_digest", "requested_at"]),
            models.Index(fields=["client_address", "requested_at"]),
        ]

    def __str__(self) -> str:
        return gettext("Reset requested at %(time)s") % {
            "time": date_format(timezone.localtime(self.requested_at), "DATETIME_FORMAT")
        }

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


class BackupCodeHasher(PBKDF2PasswordHasher):
    """PBKDF2 with a salt per code, lighter than for passwords: a code has 40 random bits and
    is used once, and ten are made at a time, so each takes about 50 ms rather than a second."""

    iterations = 100_000


class BackupCodes(TimestampMixin, ThrottlingMixin, Device):
    """A person's ten single-use backup codes, for when their authenticator app is not to hand.

    Each code is four characters that find it and eight that prove it; only a salted hash of the
    eight is kept, so the codes cannot be read back from the database, by anyone.
    """

    ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/i/l: nothing to misread
    COUNT = 10
    LOOKUP = 4
    SECRET = 8

    class Meta(Device.Meta):
        verbose_name = _("set of backup codes")
        verbose_name_plural = _("sets of backup codes")

    def get_throttle_factor(self) -> int:
        return 1

    @classmethod
    def normalise(cls, code: str) -> str:
        return "".join(code.split()).replace("-", "").lower()

    @classmethod
    def looks_like_one(cls, code: str) -> bool:
        code = cls.normalise(code)
        return len(code) == cls.LOOKUP + cls.SECRET and set(code) <= set(cls.ALPHABET)

    @transaction.atomic
    def replace_codes(self) -> list[str]:
        """New codes in place of any old ones. Returns them, grouped for reading, to be shown
        once; they cannot be shown again."""
        self.codes.all().delete()
        hasher = BackupCodeHasher()
        codes: list[str] = []
        lookups: set[str] = set()
        while len(codes) < self.COUNT:
            lookup = get_random_string(self.LOOKUP, self.ALPHABET)
            if lookup in lookups:
                continue
            lookups.add(lookup)
            secret = get_random_string(self.SECRET, self.ALPHABET)
            BackupCode.objects.create(
                device=self, lookup=lookup, digest=hasher.encode(secret, hasher.salt())
            )
            code = lookup + secret
            codes.append(f"{code[:4]} {code[4:8]} {code[8:]}")
        return codes

    def remaining(self) -> int:
        return self.codes.count()

    def verify_token(self, token: Any) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        code = self.normalise(str(token))
        match = None
        if self.looks_like_one(code):
            candidate = self.codes.filter(lookup=code[: self.LOOKUP]).first()
            if candidate is not None and BackupCodeHasher().verify(
                code[self.LOOKUP :], candidate.digest
            ):
                match = candidate
        # Each code works once, even for requests at the same moment: only the request whose
        # delete removed the row counts it.
        if match is None or BackupCode.objects.filter(pk=match.pk).delete()[0] != 1:
            self.throttle_increment()
            return False
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


class BackupCode(models.Model):
    device = models.ForeignKey(
        BackupCodes, on_delete=models.CASCADE, related_name="codes", verbose_name=_("device")
    )
    lookup = models.CharField(max_length=BackupCodes.LOOKUP, verbose_name=_("lookup"))
    digest = models.CharField(max_length=128, verbose_name=_("digest"))

    class Meta:
        verbose_name = _("backup code")
        verbose_name_plural = _("backup codes")
        constraints = [
            models.UniqueConstraint(fields=["device", "lookup"], name="backup_code_unique"),
        ]

    def __str__(self) -> str:
        return gettext("Backup code")
