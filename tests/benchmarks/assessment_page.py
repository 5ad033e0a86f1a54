"""Benchmark: the assessment's task list and a section page against a trivial view, served by
gunicorn.

    .venv/bin/python -m tests.benchmarks.assessment_page [--seconds 15] [--rounds 3] [--clients 8]

Needs PostgreSQL on 127.0.0.1:5432 (override with BENCH_DATABASE_URL). It creates a fresh
database `imh_bench`, loads the demo data, starts gunicorn on loopback with production
settings, and drives the three URLs with the same number of concurrent keep-alive clients, in
turn, for several rounds (--rounds) in one run, so that the machine's slow and quick moments
fall on every URL alike. It prints requests per second and latency for each, and the ratio of
each page's throughput to the trivial view's, overall and round by round (target: at least
0.25 each). The load comes
from ApacheBench (`ab`, Debian package apache2-utils) when it is installed; otherwise from
Python threads, which take a large share of the same two cores and so flatter the ratio. Use
ab for figures you record.
"""

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import threading
import time

from tests.load.server import (
    POSTGRES_URL,
    free_port,
    prepare_demo,
    production_env,
    section_links,
    signed_in_session,
    start_gunicorn,
    stop,
)

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", POSTGRES_URL.format(name="imh_bench"))


def drive(port: int, path: str, cookie: str, clients: int, seconds: float) -> dict[str, float]:
    """Load one URL: with ApacheBench (C, light on the shared CPU) when installed, else threads."""
    if shutil.which("ab"):
        return drive_with_ab(port, path, cookie, clients, seconds)
    return drive_with_threads(port, path, cookie, clients, seconds)


def drive_with_ab(
    port: int, path: str, cookie: str, clients: int, seconds: float
) -> dict[str, float]:
    result = subprocess.run(  # noqa: S603
        [
            "ab",
            "-q",
            "-c",
            str(clients),
            "-t",
            str(seconds),
            "-n",
            "1000000",
            "-H",
            f"Cookie: {cookie}",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    if "Requests per second" not in out:
        raise RuntimeError(f"ab gave no figures:\n{out}\n{result.stderr}")
    percentile = dict(re.findall(r"^\s+(\d+)%\s+(\d+)", out, flags=re.MULTILINE))
    non_2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    return {
        "requests": float(re.search(r"Complete requests:\s+(\d+)", out).group(1)),  # type: ignore[union-attr]
        "errors": float(re.search(r"Failed requests:\s+(\d+)", out).group(1))  # type: ignore[union-attr]
        + (float(non_2xx.group(1)) if non_2xx else 0),
        "rps": float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": float(percentile["50"]),
        "p95_ms": float(percentile["95"]),
    }


def drive_with_threads(
    port: int, path: str, cookie: str, clients: int, seconds: float
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": cookie, "Host": "127.0.0.1"}
        mine: list[float] = []
        failed = 0
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
            except (http.client.HTTPException, OSError):
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - start)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
    }


def first_section(port: int, cookie: str, task_list: str) -> str:
    """The task list's first section link: the section page to load."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", task_list, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    links = section_links(connection.getresponse().read().decode())
    connection.close()
    if not links:
        raise RuntimeError("the task list links to no section")
    return links[0]


TARGET = 0.25


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=15, help="per URL, over all rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    options = parser.parse_args()

    print("Preparing a fresh PostgreSQL database with the demo data…", flush=True)
    env = production_env(DATABASE_URL)
    prepare_demo(env)
    cookie, assessment_id = signed_in_session(env, "practitioner@example.org")
    task_list = f"/assessments/{assessment_id}/"

    port = free_port()
    server = start_gunicorn(
        env,
        port,
        "--workers",
        str(options.workers),
        "--threads",
        str(options.threads),
        "--worker-class",
        "gthread",
    )
    try:
        views = {
            "trivial view (/healthz/)": "/healthz/",
            "task list": task_list,
            "section page": first_section(port, cookie, task_list),
        }
        for path in views.values():  # warm up every worker and connection
            drive(port, path, cookie, options.clients, 2)
        rounds = [
            {
                name: drive(port, path, cookie, options.clients, options.seconds / options.rounds)
                for name, path in views.items()
            }
            for _ in range(options.rounds)
        ]
    finally:
        stop(server)

    tool = (
        "ApacheBench (ab)"
        if shutil.which("ab")
        else "Python threads (install apache2-utils for ab)"
    )
    print(f"\nload generator: {tool}")
    print(
        f"gunicorn: {options.workers} workers x {options.threads} threads on "
        f"{os.cpu_count()} cores; {options.clients} concurrent clients; "
        f"{options.seconds:g} s each URL, in {options.rounds} rounds\n"
    )
    print(f"{'view':<28}{'requests':>10}{'errors':>8}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}")
    figures = {name: combined([each[name] for each in rounds]) for name in views}
    for name, row in figures.items():
        print(
            f"{name:<28}{row['requests']:>10.0f}{row['errors']:>8.0f}"
            f"{row['rps']:>10.1f}{row['p50_ms']:>10.1f}{row['p95_ms']:>10.1f}"
        )
    print("(p50: the median of the rounds'; p95: the worst round's)\n")
    trivial = next(iter(views))
    for name in list(views)[1:]:
        ratio = figures[name]["rps"] / figures[trivial]["rps"]
        each = ", ".join(f"{one[name]['rps'] / one[trivial]['rps']:.3f}" for one in rounds)
        met = "met" if ratio >= TARGET else "NOT met"
        print(
            f"throughput ratio, {name} / trivial view: {ratio:.3f} "
            f"(rounds: {each}; target >= {TARGET}: {met})"
        )


def combined(rounds: list[dict[str, float]]) -> dict[str, float]:
    """One URL's rounds as one: throughput over the whole time, the median p50, the worst p95."""
    seconds = sum(one["requests"] / one["rps"] for one in rounds)
    requests = sum(one["requests"] for one in rounds)
    return {
        "requests": requests,
        "errors": sum(one["errors"] for one in rounds),
        "rps": requests / seconds,
        "p50_ms": statistics.median(one["p50_ms"] for one in rounds),
        "p95_ms": max(one["p95_ms"] for one in rounds),
    }


if __name__ == "__main__":
    main()
