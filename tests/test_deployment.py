"""What the README tells an operator to run is what the project configures and tests."""

import os
import re
import subprocess
import sys
from pathlib import Path

from imh_toolkit import gunicorn_conf

ROOT = Path(__file__).resolve().parents[1]


def test_the_production_command_uses_the_gunicorn_settings_with_a_deliberate_timeout() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^\.venv/bin/gunicorn .*$", readme, flags=re.MULTILINE)
    assert commands, "the README gives a gunicorn command"
    assert all("-c python:imh_toolkit.gunicorn_conf" in command for command in commands)
    assert gunicorn_conf.timeout == 60  # not gunicorn's 30 s default: the README says why
    assert gunicorn_conf.graceful_timeout == 30


def test_gunicorn_reads_the_settings_file() -> None:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    printed = subprocess.run(  # noqa: S603
        [
            str(gunicorn),
            "-c",
            "python:imh_toolkit.gunicorn_conf",
            "imh_toolkit.wsgi",
            "--print-config",
        ],
        cwd=ROOT,
        env={name: value for name, value in os.environ.items() if name != "WEB_CONCURRENCY"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert re.search(r"^timeout\s+= 60$", printed, flags=re.MULTILINE)
    assert re.search(r"^workers\s+= 3$", printed, flags=re.MULTILINE)
