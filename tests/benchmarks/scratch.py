"""A benchmark's own world: production settings on a fresh SQLite file in a temporary folder."""

import subprocess
import sys

from tests.load.server import ROOT, production_env

__all__ = ["ROOT", "scratch_environment"]


def scratch_environment(folder: str) -> dict[str, str]:
    """The environment for a process that measures, with the static files it needs collected."""
    env = production_env(
        f"sqlite:///{folder}/bench.sqlite3",
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="ERROR",
        STATIC_ROOT=f"{folder}/static",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],  # noqa: S603
        cwd=ROOT,
        env=env,
        check=True,
    )
    return env
