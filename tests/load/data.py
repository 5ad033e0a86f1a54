"""The load test's people and its reckoning, run inside Django against the load database.

    python -m tests.load.data prepare --out USERS.json --practitioners 40 --leads 10
    python -m tests.load.data check --users USERS.json --log SAVES.jsonl
    python -m tests.load.data session --email practitioner@example.org

`prepare` opens every assessment of the demo partnership's current round for changes, gives
each team several practitioners (so two people save the same assessment and conflicts happen)
and some extra leads, signs them all in, and writes their session keys. `check` compares what
the server answered to every save with what the database holds: every acknowledged save is
there exactly once, in the history and in each assessment's version count; nothing that was
refused or lost in a conflict is there; each rating is the last of its history.
"""

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from tests.load.server import CSRF_SECRET

MARKER = "load test"


def signed_in_cookie(user: Any) -> str:
    """The Cookie header of the person's browser once signed in, with this configuration's
    cookie names (`__Host-sessionid` and `__Host-csrftoken` with production settings)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={CSRF_SECRET}"


def prepare(out: Path, practitioners: int, leads: int) -> None:
    from django.utils import timezone

    from accounts.models import User
    from assessments.models import Assessment, Round
    from partnerships.models import PartnershipLead, Team, TeamMembership

    round_ = Round.objects.open_on(timezone.localdate()).select_related("partnership").get()
    teams = list(Team.objects.filter(organisation__partnership=round_.partnership, is_active=True))
    assessments = [Assessment.start(team=team, round=round_) for team in teams]
    Assessment.objects.filter(round=round_).update(
        status=Assessment.Status.IN_PROGRESS, submitted_at=None, submitted_by=None
    )

    people: dict[str, Any] = {"round": round_.pk, "practitioners": [], "leads": []}
    for number in range(practitioners):
        assessment = assessments[number // 2 % len(assessments)]  # two by two
        user = User.objects.create_user(f"load-practitioner-{number}@example.org", None)
        TeamMembership.objects.create(user=user, team=assessment.team)
        people["practitioners"].append(
            {"number": number, "cookie": signed_in_cookie(user), "assessment": assessment.pk}
        )
    for number in range(leads):
        user = User.objects.create_user(f"load-lead-{number}@example.org", None)
        PartnershipLead.objects.create(user=user, partnership=round_.partnership)
        people["leads"].append({"number": number, "cookie": signed_in_cookie(user)})
    people["versions"] = {
        str(pk): version
        for pk, version in Assessment.objects.filter(round=round_).values_list("pk", "version")
    }
    out.write_text(json.dumps(people))
    print(
        f"{practitioners} practitioners on {len(assessments)} assessments "
        f"({practitioners / len(assessments):.1f} each), {leads} extra leads"
    )


def session(email: str) -> None:
    """Prints, as JSON, the signed-in person's Cookie header and their in-progress assessment."""
    from accounts.models import User
    from assessments.models import Assessment

    user = User.objects.get(email=email)
    assessment = Assessment.objects.of_member(user).get(status="in_progress")
    print(json.dumps({"cookie": signed_in_cookie(user), "assessment": assessment.pk}))


def check(users: Path, log: Path) -> bool:
    from assessments.models import Assessment, Rating

    people = json.loads(users.read_text())
    sent: dict[str, dict[str, Any]] = {}
    outcomes: dict[str, str] = {}
    for line in log.read_text().splitlines():
        entry = json.loads(line)
        if entry["event"] == "sent":
            sent[entry["marker"]] = entry
        else:
            outcomes[entry["marker"]] = entry["outcome"]

    history = Rating.history.filter(evidence__startswith=MARKER)
    in_history = Counter(history.values_list("evidence", flat=True))
    counted = Counter(outcomes.get(marker, "unanswered") for marker in sent)
    saved = [m for m in sent if outcomes.get(m) == "saved"]
    not_saved = [m for m in sent if outcomes.get(m) in {"conflict", "refused"}]
    unanswered = [m for m in sent if m not in outcomes or outcomes[m] == "unknown"]

    problems = []
    missing = [m for m in saved if in_history[m] != 1]
    if missing:
        problems.append(f"{len(missing)} acknowledged saves are not in the history exactly once")
    leaked = [m for m in not_saved if in_history[m]]
    if leaked:
        problems.append(f"{len(leaked)} refused or conflicting saves are in the database")
    strangers = [m for m in in_history if m not in sent]
    if strangers:
        problems.append(f"{len(strangers)} saves in the database were never sent")

    per_assessment = Counter(sent[m]["assessment"] for m in saved)
    unanswered_landed = Counter(sent[m]["assessment"] for m in unanswered if in_history[m])
    for pk, version in Assessment.objects.values_list("pk", "version"):
        start = people["versions"].get(str(pk))
        if start is None:
            continue
        expected = start + per_assessment[pk] + unanswered_landed[pk]
        if version != expected:
            problems.append(f"assessment {pk}: version {version}, expected {expected}")

    last: dict[int, str] = {}
    for rating_id, evidence in Rating.history.order_by("history_id").values_list("id", "evidence"):
        last[rating_id] = evidence
    stale = [r.pk for r in Rating.objects.all() if last.get(r.pk, r.evidence) != r.evidence]
    if stale:
        problems.append(f"{len(stale)} ratings differ from the last entry of their history")

    print(
        f"saves sent {len(sent)}: acknowledged {counted['saved']}, conflict page "
        f"{counted['conflict']}, refused {counted['refused']}, no answer {len(unanswered)} "
        f"(of which in the database: {sum(1 for m in unanswered if in_history[m])})"
    )
    print(f"history rows written by the test: {sum(in_history.values())}")
    if problems:
        print("DATA CHECK FAILED:\n  " + "\n  ".join(problems))
        return False
    print(
        "data check passed: every acknowledged save is in the database once, no refused or "
        "conflicting save is, versions and history agree"
    )
    return True


def main() -> None:
    import django

    django.setup()
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    prepare_parser = commands.add_parser("prepare")
    prepare_parser.add_argument("--out", type=Path, required=True)
    prepare_parser.add_argument("--practitioners", type=int, default=40)
    prepare_parser.add_argument("--leads", type=int, default=10)
    check_parser = commands.add_parser("check")
    check_parser.add_argument("--users", type=Path, required=True)
    check_parser.add_argument("--log", type=Path, required=True)
    session_parser = commands.add_parser("session")
    session_parser.add_argument("--email", required=True)
    options = parser.parse_args()
    if options.command == "prepare":
        prepare(options.out, options.practitioners, options.leads)
    elif options.command == "session":
        session(options.email)
    elif not check(options.users, options.log):
        sys.exit(1)


if __name__ == "__main__":
    main()
