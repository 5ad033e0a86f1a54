"""gunicorn's settings for production, chosen on purpose rather than left at their defaults.

    .venv/bin/gunicorn -c python:imh_toolkit.gunicorn_conf imh_toolkit.wsgi --bind 127.0.0.1:8000

Options given on the command line override these. The load and crash tests in tests/load/
serve the app with this file too, so what they measure is what production runs.
"""

import os

# How long one request may take before gunicorn kills the worker (sync workers; with
# --threads, how long a worker may go without a heartbeat). The longest request is the PDF gap
# report of a large partnership: about 10 s at 200 teams on a 2-core machine, and a report of
# worst-case text renders within twice the time of ordinary prose (tests/benchmarks/reports.py).
# gunicorn's default of 30 s would cut that off on a busy machine; 60 s leaves room and still
# frees a stuck worker within a minute. A proxy in front must wait longer than this (nginx's
# proxy_read_timeout defaults to exactly 60 s: set it to 75 s).
timeout = 60

# On a restart or deploy, a worker finishing a report gets this long before it is killed.
graceful_timeout = 30

# Workers: --workers, else WEB_CONCURRENCY, else 3 (about one per core plus one).
workers = int(os.environ.get("WEB_CONCURRENCY") or 3)
