"""A benchmark's own world: production settings on a fresh SQLite file in a temporary folder."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def scratch_environment(folder: str) -> dict[str, str]:
    """The environment for a process that measures, with the static files it needs collected."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-" + "x" * 50,
        "ALLOWED_HOSTS": "testserver",
        "EMAIL_HOST": "smtp.invalid",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "ERROR",
        "STATIC_ROOT": f"{folder}/static",
        "DJANGO_SETTINGS_MODULE": "imh_toolkit.settings",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],  # noqa: S603
        cwd=ROOT,
        env=env,
        check=True,
    )
    return env
