"""The second step of signing in: who must take it, what it refuses, and how it is set up."""

import io
import logging
import re
from base64 import b32decode
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connections
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import BackupCode, BackupCodes, User

from .conftest import World
from .helpers import PASSWORD, axes_collides_once, sign_in, signs_in

ADDRESS = "192.0.2.10"


def _password(client: Client, user: User, next_url: str = "") -> str:
    """Signs in with the password alone; returns where the person is sent."""
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post(reverse("login"), data, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    return client.get(response["Location"], REMOTE_ADDR=ADDRESS).get("Location", "")


def _enter(client: Client, code: str, next_url: str = "") -> Any:
    return client.post(
        reverse("two_factor_verify"), {"code": code, "next": next_url}, REMOTE_ADDR=ADDRESS
    )


def _app(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="App", confirmed=True)


def _code(app: TOTPDevice) -> str:
    app.refresh_from_db()
    return two_factor.next_code(app)


def _wrong(app: TOTPDevice) -> str:
    return f"{(int(_code(app)) + 500_000) % 1_000_000:06d}"


def _key_on(page: str) -> str:
    key = re.search(r'id="setup-key">([A-Z2-7 ]+)<', page)
    assert key is not None
    return key.group(1)


def _code_for(written_key: str) -> str:
    return f"{TOTP(b32decode(written_key.replace(' ', ''))).token():06d}"


def _shown_codes(page: str) -> list[str]:
    return re.findall(r'<span class="app-code">([a-z2-9 ]{14})</span>', page)


def _set_up(client: Client) -> list[str]:
    """Sets up an app through the pages, as a person would; returns the backup codes shown."""
    page = client.get(reverse("two_factor_set_up"), REMOTE_ADDR=ADDRESS)
    assert page.status_code == 200
    response = client.post(
        reverse("two_factor_set_up"), {"code": _code_for(_key_on(page.text))}, REMOTE_ADDR=ADDRESS
    )
    assert response.status_code == 200
    return _shown_codes(response.text)


# Who takes the second step


def test_an_administrator_with_a_password_alone_reaches_nothing(
    client: Client, world: World
) -> None:
    assert _password(client, world.staff, reverse("admin:index")).startswith(
        reverse("two_factor_set_up")
    )
    for url in (reverse("admin:index"), reverse("assessments:home"), reverse("account")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("two_factor_set_up")), url
    page = client.get(reverse("two_factor_set_up")).text
    assert "Administrators can change what others see and do" in page
    assert reverse("admin:index") not in page  # no way on from the header either


def test_the_admin_site_refuses_a_session_that_has_not_passed_the_step(
    client: Client, world: World
) -> None:
    # Even with the middleware's record of the step gone, the admin site asks for itself.
    client.force_login(world.staff)
    session = client.session
    session.pop(two_factor.PENDING_KEY)
    session.save()
    _app(world.staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_verify"))


def test_a_set_up_administrator_enters_a_code_and_reaches_the_admin(
    client: Client, world: World
) -> None:
    app = _app(world.staff)
    sent_to = _password(client, world.staff, reverse("admin:index"))
    assert sent_to == f"{reverse('two_factor_verify')}?next=%2Fadmin%2F"
    key_before = client.session.session_key
    response = _enter(client, _code(app), reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert client.session.session_key != key_before  # a new key once the step is passed
    assert client.get(reverse("admin:index")).status_code == 200


def test_practitioners_and_leads_sign_in_with_a_password_by_default(
    client: Client, world: World
) -> None:
    for user in (world.practitioner, world.lead):
        client.logout()
        assert _password(client, user) in ("", reverse("assessments:home"))
        assert client.get(reverse("assessments:home")).status_code == 200, user.email


@pytest.mark.parametrize(
    ("policy", "forced", "free"),
    [
        ("staff", ["staff"], ["lead", "practitioner"]),
        ("leads", ["staff", "lead"], ["practitioner"]),
        ("all", ["staff", "lead", "practitioner"], []),
    ],
)
def test_the_setting_says_who_must_set_up_an_app_at_their_next_sign_in(
    client: Client, world: World, settings: object, policy: str, forced: list, free: list
) -> None:
    settings.REQUIRE_TWO_FACTOR = policy  # type: ignore[attr-defined]
    for role in forced + free:
        client.logout()
        client.post(
            reverse("login"), {"username": getattr(world, role).email, "password": PASSWORD}
        )
        response = client.get(reverse("assessments:home"))
        if role in forced:
            assert response.status_code == 302, role
            assert response["Location"].startswith(reverse("two_factor_set_up")), role
        else:
            assert response.status_code == 200, role


def test_someone_who_chose_to_set_up_an_app_is_asked_for_it(client: Client, world: World) -> None:
    app = _app(world.practitioner)
    assert _password(client, world.practitioner).startswith(reverse("two_factor_verify"))
    assert client.get(reverse("assessments:home")).status_code == 302
    assert _enter(client, _code(app)).status_code == 302
    assert client.get(reverse("assessments:home")).status_code == 200


# What it refuses


def test_a_wrong_code_is_refused_with_a_clear_message_and_logged(
    client: Client, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(world.staff)
    _password(client, world.staff)
    with caplog.at_level(logging.WARNING, logger="imh.security"):
        response = _enter(client, _wrong(app))
    assert response.status_code == 200
    assert "That code is not right" in response.text
    assert "Error: Enter the code" in response.text  # the page title says so too
    assert client.get(reverse("admin:index")).status_code == 302
    assert [r.getMessage() for r in caplog.records if r.name == "imh.security"] == [
        f"second factor failed: user {world.staff.pk} device {app.persistent_id}"
    ]
    assert AccessAttempt.objects.get(username=world.staff.email).failures_since_start == 1


def test_wrong_codes_lock_out_like_wrong_passwords_and_a_password_does_not_reset_them(
    client: Client, world: World, settings: object
) -> None:
    app = _app(world.staff)
    limit = settings.AXES_FAILURE_LIMIT  # type: ignore[attr-defined]
    _password(client, world.staff)
    for _ in range(limit - 1):
        assert _enter(client, _wrong(app)).status_code == 200
    # Signing in again with the right password does not clear the count of wrong codes,
    client.post(reverse("logout"))
    _password(client, world.staff)
    # so the next wrong code locks this address out, and signs the person out.
    response = _enter(client, _wrong(app))
    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.text
    assert "_auth_user_id" not in client.session
    # The right code cannot get past the lockout either.
    response = client.post(
        reverse("login"),
        {"username": world.staff.email, "password": PASSWORD},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 429


def test_a_passed_second_step_clears_the_count(client: Client, world: World) -> None:
    app = _app(world.staff)
    _password(client, world.staff)
    _enter(client, _wrong(app))
    app.refresh_from_db()
    app.throttle_reset()
    assert _enter(client, _code(app)).status_code == 302
    assert not AccessAttempt.objects.filter(username=world.staff.email).exists()


def test_bad_input_gets_a_form_error_and_nothing_else(client: Client, world: World) -> None:
    app = _app(world.staff)
    _password(client, world.staff)
    for code, message in [
        ("", "Enter the 6-digit code from your authenticator app, or a backup"),
        ("1" * 1000, "Enter the 6-digit code from your authenticator app, or a backup"),
        ("12\x0034", "Null characters are not allowed"),
        ("<script>", "That code is not right"),
    ]:
        app.throttle_reset()
        response = _enter(client, code)
        assert response.status_code == 200, code
        assert message in response.text, code
    assert "<script>" not in response.text
    app.refresh_from_db()
    app.throttle_reset()
    code = _code(app)
    assert _enter(client, f" {code[:3]} {code[3:]} ").status_code == 302  # as the app shows it


def test_the_code_page_sends_nobody_to_another_site(client: Client, world: World) -> None:
    app = _app(world.staff)
    _password(client, world.staff)
    response = _enter(client, _code(app), "https://evil.example/")
    assert response["Location"] == reverse("assessments:home")


def test_someone_with_the_password_cannot_replace_the_app(client: Client, world: World) -> None:
    app = _app(world.staff)
    _password(client, world.staff)
    for response in (
        client.get(reverse("two_factor_set_up")),
        client.post(reverse("two_factor_set_up"), {"code": "123456"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("two_factor_verify"))
    assert list(TOTPDevice.objects.filter(user=world.staff)) == [app]


def test_the_demo_app_works_only_while_debug_is_on(
    client: Client, world: World, settings: object
) -> None:
    demo = TOTPDevice.objects.create(
        user=world.staff, name="Demo", key=two_factor.DEMO_KEY, confirmed=True
    )
    _password(client, world.staff)
    page = client.get(reverse("two_factor_verify")).text
    assert "Demo site only" not in page
    assert "That code is not right" in _enter(client, _code(demo)).text
    settings.DEBUG = True  # type: ignore[attr-defined]
    page = client.get(reverse("two_factor_verify")).text
    shown = re.search(r'id="demo-code">(\d{6})<', page)
    assert shown is not None
    assert _enter(client, shown.group(1)).status_code == 302


# Setting up, backup codes, resetting


def test_setting_up_an_app_gives_ten_backup_codes_shown_once_and_stored_hashed(
    client: Client, world: World
) -> None:
    _password(client, world.staff)
    codes = _set_up(client)
    assert len(set(codes)) == 10
    assert client.get(reverse("admin:index")).status_code == 200  # the set-up passed the step
    again = client.get(reverse("backup_codes")).text
    assert "You have 10 backup codes left" in again
    assert not any(code in again for code in codes)
    # Nothing that could be read back is stored: not the codes, not even in the session.
    stored = " ".join(BackupCode.objects.values_list("digest", flat=True))
    stored += " ".join(str(s.get_decoded()) for s in Session.objects.all())
    assert not any(BackupCodes.normalise(code)[4:] in stored for code in codes)
    assert not any(code in stored for code in codes)
    assert TOTPDevice.objects.get(user=world.staff).confirmed


def test_a_backup_code_works_once(client: Client, world: World) -> None:
    _password(client, world.staff)
    code = _set_up(client)[3]
    for attempt, expected in ((1, 302), (2, 200), (3, 200)):
        client.post(reverse("logout"))
        _password(client, world.staff)
        response = _enter(client, code.upper().replace(" ", "-"))  # as people type them
        assert response.status_code == expected, attempt
    # The third try came too soon after the second wrong one: django-otp's throttle says so.
    assert "You have entered several wrong codes. Wait 1 second before trying again" in (
        response.text
    )
    assert BackupCodes.objects.get(user=world.staff).remaining() == 9


def test_new_backup_codes_replace_the_old_ones(client: Client, world: World) -> None:
    _password(client, world.staff)
    old = _set_up(client)
    new = _shown_codes(client.post(reverse("backup_codes")).text)
    assert len(set(new)) == 10
    assert not set(new) & set(old)
    client.post(reverse("logout"))
    _password(client, world.staff)
    assert _enter(client, old[0]).status_code == 200
    BackupCodes.objects.get().throttle_reset()  # a person takes a second or two to type again
    assert _enter(client, new[0]).status_code == 302


def test_a_wrong_first_code_while_setting_up_says_what_to_check(
    client: Client, world: World
) -> None:
    _password(client, world.staff)
    key = _key_on(client.get(reverse("two_factor_set_up")).text)
    for code, message in [
        ("12345", "Enter the 6 digits the app shows"),
        (f"{(int(_code_for(key)) + 1) % 1_000_000:06d}", "That code is not right. Check the app"),
    ]:
        response = client.post(reverse("two_factor_set_up"), {"code": code})
        assert response.status_code == 200
        assert message in response.text
        assert _key_on(response.text) == key  # the same key until it is set up
    assert not TOTPDevice.objects.exists()
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_reset_command_removes_the_app_and_signs_the_person_out(
    client: Client, world: World
) -> None:
    sign_in(client, world.staff)
    out = io.StringIO()
    call_command("reset_second_factor", world.staff.email.upper(), stdout=out)
    assert "They will set up a new app when they next sign in" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=world.staff).exists()
    assert client.get(reverse("admin:index")).status_code == 302
    assert "_auth_user_id" not in client.session
    assert _password(client, world.staff).startswith(reverse("two_factor_set_up"))
    with pytest.raises(CommandError, match="Nobody has the e-mail address"):
        call_command("reset_second_factor", "nobody@example.org")


def test_only_a_superuser_may_reset_someone_elses_second_step(client: Client, world: World) -> None:
    app = _app(world.practitioner)
    action = {"action": "reset_second_factor", "_selected_action": [world.practitioner.pk]}
    changelist = reverse("admin:accounts_user_changelist")
    sign_in(client, world.user_admin)
    assert "reset_second_factor" not in client.get(changelist).text
    client.post(changelist, action)
    assert TOTPDevice.objects.filter(pk=app.pk).exists()
    client.logout()
    sign_in(client, world.staff)
    client.post(changelist, action)
    assert not TOTPDevice.objects.filter(pk=app.pk).exists()


def test_the_two_factor_pages_need_a_signed_in_person(client: Client, db: None) -> None:
    for name in ("two_factor_verify", "two_factor_set_up", "backup_codes"):
        for response in (client.get(reverse(name)), client.post(reverse(name), {"code": "1"})):
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("login")), name


def test_backup_codes_need_a_passed_second_step(client: Client, world: World) -> None:
    _app(world.staff)
    _password(client, world.staff)
    assert client.post(reverse("backup_codes")).status_code == 302
    assert not BackupCodes.objects.exists()
    # A practitioner with no app has no second step to have passed: no codes for them either.
    other = Client()
    assert signs_in(other, world.practitioner.email)
    assert other.post(reverse("backup_codes"))["Location"] == reverse("account")
    assert not BackupCodes.objects.exists()


def test_an_expired_session_signs_out_rather_than_asking_for_a_code(
    client: Client, world: World
) -> None:
    _app(world.staff)
    _password(client, world.staff)
    Session.objects.all().delete()
    response = client.get(reverse("two_factor_verify"))
    assert response["Location"].startswith(reverse("login"))


# What an attacker with the password tried (each seen getting through before its fix)


def test_one_backup_code_passes_one_request_even_at_the_same_moment(
    world: World, transactional_db: None
) -> None:
    # The check takes ~60 ms of hashing; requests arriving together all passed it before the
    # row was deleted, and each got a verified session.
    _password(setup := Client(), world.staff)
    code = _set_up(setup)[0]
    clients = [Client() for _ in range(4)]
    for client in clients:
        _password(client, world.staff)

    def enter_in_own_thread(client: Client) -> int:
        try:
            return int(_enter(client, code).status_code)
        finally:
            connections.close_all()  # this thread's connection, or the test database stays open

    with ThreadPoolExecutor(len(clients)) as pool:
        statuses = list(pool.map(enter_in_own_thread, clients))
    assert sorted(statuses) == [200, 200, 200, 302]


def test_a_wrong_code_still_counts_when_a_right_one_clears_the_count_at_that_moment(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the race above can do: django-axes finds no count, and its insert then collides
    # with a row another request made and cleared. The page answers as ever and counts it.
    app = _app(world.staff)
    _password(client, world.staff)
    collisions = axes_collides_once(monkeypatch)
    response = _enter(client, _wrong(app))
    assert response.status_code == 200
    assert "That code is not right" in response.text
    assert collisions == [1]
    assert AccessAttempt.objects.get(username=world.staff.email).failures_since_start == 1


def test_a_key_seen_in_another_session_is_never_the_one_set_up(
    client: Client, world: World
) -> None:
    attacker = Client()
    _password(attacker, world.staff)
    seen = _key_on(attacker.get(reverse("two_factor_set_up")).text)
    _password(client, world.staff)
    assert _key_on(client.get(reverse("two_factor_set_up")).text) != seen
    _set_up(client)
    app = TOTPDevice.objects.get(user=world.staff)
    assert two_factor.written_key(app) != seen


def test_replacing_the_app_signs_out_every_other_session(client: Client, world: World) -> None:
    app = _app(world.staff)
    other = Client()
    for session in (client, other):
        _password(session, world.staff)
        app.refresh_from_db()
        app.throttle_reset()
        assert _enter(session, _code(app)).status_code == 302
    _set_up(client)
    assert client.get(reverse("assessments:home")).status_code == 200
    for url in (reverse("assessments:home"), reverse("account"), reverse("admin:index")):
        assert other.get(url).status_code == 302, url
    assert "_auth_user_id" not in other.session


def test_a_session_whose_app_went_away_is_sent_back_to_the_step(
    client: Client, world: World
) -> None:
    app = _app(world.staff)
    _password(client, world.staff)
    _enter(client, _code(app))
    TOTPDevice.objects.filter(pk=app.pk).delete()  # as a reset on another machine would
    response = client.get(reverse("assessments:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_set_up"))


def test_backup_codes_alone_still_need_passing_before_a_new_app(
    client: Client, world: World
) -> None:
    BackupCodes.objects.create(
        user=world.staff, name="Backup codes", confirmed=True
    ).replace_codes()
    _password(client, world.staff)
    response = client.get(reverse("two_factor_set_up"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_verify"))


def test_passing_the_step_is_logged(
    client: Client, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(world.staff)
    _password(client, world.staff)
    with caplog.at_level(logging.INFO, logger="imh.security"):
        _enter(client, _code(app))
    assert f"second factor passed: user {world.staff.pk} device {app.persistent_id}" in [
        r.getMessage() for r in caplog.records
    ]
