"""Load test: practitioners and leads at a fixed offered rate against gunicorn on PostgreSQL, then
a check that the database holds exactly the saves the server acknowledged.

    .venv/bin/python -m tests.load.run [--seconds 60] [--rate 100] [--users 50]

It makes a fresh PostgreSQL database (`imh_load` on 127.0.0.1:5432; LOAD_DATABASE_URL to change)
with the demo partnership, adds practitioners (four in five of --users, two by two over the
current round's 14 assessments, so people save the same one and conflicts happen) and leads (the
rest), signs them in, and serves it with gunicorn, production settings and
imh_toolkit/gunicorn_conf.py on 127.0.0.1 only. Locust then runs headless for --seconds, each
person offering --rate / --users requests a second: practitioners open their assessment's task
list and its sections, save one changed item of the section they last opened, and go home; leads
open their home page and the dashboard, and now and then download the ratings CSV (about 2% of
all requests) or the board paper (about 1%): the current paper, or the page saying it is being
prepared, after which that lead takes the last paper made the next time. The background worker
(`manage.py db_worker`) runs beside gunicorn, as in production, and renders the paper on
change. Afterwards it prints the rate offered and sustained, errors and latencies per kind of
request, and the data check of tests/load/data.py. Exits non-zero on any error or any data
problem. Needs nothing but the project's environment (locust is a dev dependency) and
PostgreSQL.
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.load.server import (
    POSTGRES_URL,
    ROOT,
    free_port,
    prepare_demo,
    production_env,
    start_gunicorn,
    stop,
)


def print_stats(prefix: Path, seconds: float, offered: float) -> int:
    """Locust's per-request figures; returns the number of failed requests."""
    with open(f"{prefix}_stats.csv") as file:  # noqa: PTH123
        rows = list(csv.DictReader(file))
    print(f"\n{'request':<18}{'count':>7}{'errors':>8}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}")
    for row in rows:
        name = "all requests" if row["Name"] == "Aggregated" else row["Name"]
        print(
            f"{name:<18}{row['Request Count']:>7}{row['Failure Count']:>8}"
            f"{float(row['Requests/s']):>8.1f}{row['50%']:>8}{row['95%']:>8}"
        )
    total = next(row for row in rows if row["Name"] == "Aggregated")
    sustained = float(total["Requests/s"])
    print(
        f"\noffered {offered:.1f} req/s, sustained {sustained:.1f} req/s over {seconds:.0f} s; "
        f"errors {total['Failure Count']}; p50 {total['50%']} ms, p95 {total['95%']} ms, "
        f"p99 {total['99%']} ms"
    )
    return int(total["Failure Count"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=60, help="how long the load runs")
    parser.add_argument("--rate", type=float, default=100, help="requests per second offered")
    parser.add_argument("--users", type=int, default=50, help="simulated people")
    parser.add_argument(
        "--gunicorn", default="", help="extra gunicorn options, e.g. '--workers 4 --threads 2'"
    )
    options = parser.parse_args()
    practitioners = max(2, round(options.users * 0.8))
    leads = max(1, options.users - practitioners)
    database_url = os.environ.get("LOAD_DATABASE_URL", POSTGRES_URL.format(name="imh_load"))
    env = production_env(database_url, LOG_LEVEL="ERROR")  # a 409 is expected, not news

    with tempfile.TemporaryDirectory() as folder:
        users, log, stats = Path(folder, "users.json"), Path(folder, "saves.jsonl"), Path(folder)
        print("Preparing a fresh database with the demo data…", flush=True)
        prepare_demo(env)
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "tests.load.data", "prepare", "--out", str(users)]
            + ["--practitioners", str(practitioners), "--leads", str(leads)],
            cwd=ROOT,
            env=env,
            check=True,
        )
        log.touch()
        port = free_port()
        server = start_gunicorn(env, port, *options.gunicorn.split())
        # The background worker, as in production: it renders the board paper on change.
        worker = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "db_worker", "--no-reload"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        print(
            f"Offering {options.rate:g} requests a second from {practitioners + leads} people "
            f"for {options.seconds} s…",
            flush=True,
        )
        started = time.monotonic()
        try:
            locust = subprocess.run(  # noqa: S603
                [
                    str(Path(sys.executable).with_name("locust")),
                    "-f",
                    str(ROOT / "tests" / "load" / "locustfile.py"),
                    "--headless",
                    "--host",
                    f"http://127.0.0.1:{port}",
                    "--users",
                    str(practitioners + leads),
                    "--spawn-rate",
                    str(practitioners + leads),
                    "--run-time",
                    f"{options.seconds}s",
                    "--stop-timeout",
                    "30",
                    "--csv",
                    str(stats / "locust"),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env={
                    **os.environ,
                    "PYTHONPATH": str(ROOT),
                    "LOAD_USERS": str(users),
                    "LOAD_LOG": str(log),
                    "LOAD_RATE": str(options.rate / (practitioners + leads)),
                },
                capture_output=True,
                text=True,
                timeout=options.seconds + 120,
                check=False,
            )
            elapsed = time.monotonic() - started
        finally:
            stop(server)
            stop(worker)
        if not Path(f"{stats}/locust_stats.csv").exists():
            sys.exit(f"locust gave no figures:\n{locust.stdout}\n{locust.stderr}")
        errors = print_stats(stats / "locust", options.seconds, options.rate)
        print(f"(locust ran {elapsed:.0f} s in all, with its start and a stop that waits for")
        print(" the requests still in flight)")
        checked = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "tests.load.data", "check", "--users", str(users)]
            + ["--log", str(log)],
            cwd=ROOT,
            env=env,
            check=False,
        )
        print(f"gunicorn: {options.gunicorn or 'imh_toolkit/gunicorn_conf.py as it is'}")
    if errors or checked.returncode:
        sys.exit(1)


if __name__ == "__main__":
    main()
