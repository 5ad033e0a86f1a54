"""What the load, crash and page benchmarks share: a fresh database with the demo data, and
gunicorn serving it with production settings and imh_toolkit/gunicorn_conf.py, on loopback only.

Production settings make the session and CSRF cookies Secure (and name them __Host-...), so a
client on plain loopback HTTP sends them itself in a Cookie header rather than through a cookie
jar; tests.load.data writes that header with the names from settings.
"""

import html
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/{name}"
CSRF_SECRET = "loadtestcsrfsecret0123456789abcd"  # 32 characters, as Django's secrets are
assert len(CSRF_SECRET) == 32


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """Production settings (DEBUG off, manifest static files) without TLS, which loopback lacks."""
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "load-and-crash-tests-only-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "60",
        "EMAIL_HOST": "smtp.invalid",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(ROOT / "staticfiles"),
        "DJANGO_SETTINGS_MODULE": "imh_toolkit.settings",
        **extra,
    }


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def fresh_database(database_url: str) -> None:
    """An empty database: PostgreSQL's dropped and created again, SQLite's file removed."""
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        return
    import psycopg

    admin_url, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def prepare_demo(env: dict[str, str]) -> None:
    """The demo partnership in a fresh database, and static files for production settings."""
    fresh_database(env["DATABASE_URL"])
    manage(env, "migrate", "--no-input")
    manage(env, "load_demo_data", "--throwaway-database")
    manage(env, "collectstatic", "--no-input")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(env: dict[str, str], port: int, *options: str) -> subprocess.Popen[bytes]:
    """gunicorn with the production settings file, in its own process group so that one signal
    reaches the master and every worker."""
    server = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            "python:imh_toolkit.gunicorn_conf",
            "imh_toolkit.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            *options,
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    wait_until_serving(port, server)
    return server


def wait_until_serving(port: int, server: subprocess.Popen[bytes] | None = None) -> None:
    """gunicorn binds before its workers have loaded Django: wait for a real answer."""
    for _ in range(600):
        if server is not None and server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz/", headers={"Host": "127.0.0.1"})
            if connection.getresponse().status == 200:
                return
        except (http.client.HTTPException, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def stop(server: subprocess.Popen[bytes], *, kill: bool = False) -> None:
    """Stop gunicorn: politely (SIGTERM, workers finish their requests), or with SIGKILL to the
    whole group, as a power cut or the kernel's out-of-memory killer would."""
    try:
        os.killpg(server.pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:
        return
    server.wait(timeout=60)


def wait_until_closed(port: int) -> None:
    """After a kill, until no process of the old server holds the port. (Its workers are the
    master's children, not ours, and may linger as zombies that only the port outlives.)"""
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            return
        time.sleep(0.05)
    raise RuntimeError(f"something still answers on port {port} after the kill")


def signed_in_session(env: dict[str, str], email: str) -> tuple[str, int]:
    """(Cookie header, in-progress assessment id) of a person signed in for this environment."""
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tests.load.data", "session", "--email", email],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    return found["cookie"], int(found["assessment"])


SECTION_LINK = re.compile(r'href="(/assessments/\d+/sections/\d+/)"')


def section_links(task_list: str) -> list[str]:
    """The section pages a task list links to, in order."""
    return list(dict.fromkeys(SECTION_LINK.findall(task_list)))


VERSION = re.compile(r'name="version" value="(\d+)"')
RADIO = re.compile(r'name="(item-\d+-rag)" type="radio" value="(\w+)"[^>]*?( checked)?>')
TEXTAREA = re.compile(r'name="(item-\d+-(?:evidence|next_step))"[^>]*>(.*?)</textarea>', re.S)


def form_fields(page: str) -> dict[str, str] | None:
    """What a section page would post if saved unchanged, or None if it is not the form."""
    version = VERSION.search(page)
    if version is None:
        return None
    fields = {"version": version.group(1), "action": "save"}
    for name, value, checked in RADIO.findall(page):
        if checked:
            fields[name] = value
    for name, text in TEXTAREA.findall(page):
        fields[name] = html.unescape(text)
    return fields
