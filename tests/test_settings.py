"""Settings come from the environment; malformed values stop start-up with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PROJECT = Path(settings.BASE_DIR)


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        # Only the machine's own environment: not the test run's settings or Django switches.
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
        and not key.startswith("DJANGO_")
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *(args or ("check",))],
        cwd=PROJECT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"DEBUG": "false"}, "SECRET_KEY must be set when DEBUG is off"),
        ({"SESSION_IDLE_MINUTES": "an hour"}, "SESSION_IDLE_MINUTES must be a whole number"),
        ({"SESSION_IDLE_MINUTES": "0"}, "SESSION_IDLE_MINUTES must be at least 1"),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT must be a whole number"),
        ({"DATABASE_URL": "mysql://db/app"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        (
            {"CSRF_TRUSTED_ORIGINS": "toolkit.example.org"},
            "CSRF_TRUSTED_ORIGINS entries must start",
        ),
        ({"ALLOWED_HOSTS": "a.example.org, b example.org"}, "ALLOWED_HOSTS"),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL must be"),
        ({"OPERATOR_EMAIL": "the council"}, "OPERATOR_EMAIL must be an e-mail address"),
        ({"OPERATOR_NAME": "Riverside\nCouncil"}, "OPERATOR_NAME must be one line of text"),
        ({"SITE_URL": "toolkit.example.org"}, "SITE_URL must be the service's origin"),
        ({"EMAIL_SERVICE": "fax"}, "EMAIL_SERVICE must be smtp, notify or console"),
        ({"EMAIL_SERVICE": "smtp"}, "EMAIL_SERVICE=smtp needs EMAIL_HOST"),
        ({"EMAIL_SERVICE": "notify"}, "needs NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID"),
        (
            {"EMAIL_SERVICE": "notify", "NOTIFY_API_KEY": "abc", "NOTIFY_TEMPLATE_ID": "t"},
            "NOTIFY_API_KEY must be a whole GOV.UK Notify API key",
        ),
        ({"SITE_URL": "https://toolkit.example.org/rate"}, "SITE_URL must be the service's origin"),
    ],
)
def test_malformed_settings_stop_start_up_with_a_message(env: dict[str, str], message: str) -> None:
    result = _run(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 20 + "production-secret-with-enough-entropy-9f8e7d6c5b4a",
    "ALLOWED_HOSTS": "toolkit.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://toolkit.example.org",
    "EMAIL_HOST": "smtp.example.org",
    "OPERATOR_NAME": "Northshire County Council",
    "OPERATOR_EMAIL": "toolkit@northshire.example.org",
    "SITE_URL": "https://toolkit.example.org",
}


def test_deploy_check_passes_with_production_values() -> None:
    result = _run(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_asks_who_runs_the_service() -> None:
    unnamed = {key: value for key, value in PRODUCTION.items() if not key.startswith("OPERATOR_")}
    result = _run(unnamed, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "imh_toolkit.W001" in result.stderr
    assert "OPERATOR_NAME and OPERATOR_EMAIL not set" in result.stderr


def test_production_cookies_are_host_only_and_secure() -> None:
    script = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_DOMAIN, s.CSRF_COOKIE_DOMAIN, "
        "s.SESSION_COOKIE_PATH, s.CSRF_COOKIE_PATH)"
    )
    result = _run(PRODUCTION, "shell", "--no-imports", "-c", script)
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "None",
        "None",
        "/",
        "/",
    ], result.stderr


def test_the_breached_password_check_is_switched_on_by_a_setting() -> None:
    script = (
        "from django.conf import settings as s; "
        "print([v.get('OPTIONS') for v in s.AUTH_PASSWORD_VALIDATORS if 'Breached' in v['NAME']])"
    )
    env = {"BREACHED_PASSWORD_CHECK": "true", "BREACHED_PASSWORD_API": "https://hibp.example/r/"}
    result = _run(env, "shell", "--no-imports", "-c", script)
    assert result.stdout.strip() == "[{'api_endpoint': 'https://hibp.example/r/'}]", result.stderr


def test_deploy_check_asks_where_e_mails_link_to() -> None:
    unlinked = {key: value for key, value in PRODUCTION.items() if key != "SITE_URL"}
    result = _run(unlinked, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "imh_toolkit.W002" in result.stderr


def test_deploy_check_fails_on_development_defaults() -> None:
    result = _run({}, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0


def test_sqlite_is_set_up_for_concurrent_writers(db: None) -> None:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("PostgreSQL handles concurrent writers itself")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize(
    ("switch", "options"),
    [
        ({}, "{'server_side_binding': True, 'prepare_threshold': 5}"),
        ({"DATABASE_PREPARED_STATEMENTS": "false"}, "{}"),
    ],
)
def test_postgresql_prepares_repeated_statements_unless_switched_off(
    switch: dict[str, str], options: str
) -> None:
    script = "from django.conf import settings as s; print(s.DATABASES['default']['OPTIONS'])"
    env = {"DATABASE_URL": "postgres://app@db.example.org:5432/toolkit", **switch}
    result = _run(env, "shell", "--no-imports", "-c", script)
    assert result.stdout.strip() == options, result.stderr


def test_a_query_run_again_and_again_is_planned_once(db: None) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no prepared statements to keep")
    from accounts.models import User

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return int(cursor.fetchone()[0])

    before = prepared()
    for pk in range(1, 8):  # the same statement, other values: one prepared statement
        User.objects.filter(pk=pk).exists()
    assert prepared() == before + 1


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({}, "accounts.emails.ReadableConsoleBackend"),
        ({"EMAIL_HOST": "smtp.example.org"}, "django.core.mail.backends.smtp.EmailBackend"),
        (
            {
                "EMAIL_SERVICE": "notify",
                "NOTIFY_API_KEY": "toolkit-" + "1" * 36 + "-" + "2" * 36,
                "NOTIFY_TEMPLATE_ID": "f33517ff-2a88-4f6e-b855-c550268ce08a",
            },
            "accounts.emails.NotifyBackend",
        ),
    ],
)
def test_one_setting_chooses_how_e_mail_goes(env: dict[str, str], backend: str) -> None:
    script = "from django.conf import settings as s; print(s.MAILERS['default']['BACKEND'])"
    result = _run(env, "shell", "--no-imports", "-c", script)
    assert result.stdout.strip() == backend, result.stderr


def test_models_and_migrations_agree() -> None:
    result = _run({}, "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_collectstatic_works_with_production_settings(tmp_path: Path) -> None:
    result = _run({**PRODUCTION, "STATIC_ROOT": str(tmp_path)}, "collectstatic", "--no-input")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("govuk-frontend/govuk-frontend.min.*.css"))
