"""manage.py import_people --partnership ID FILE [--dry-run]: the lead's spreadsheet import, for
operators. It checks the whole file, prints what would change, and applies it in one
transaction unless --dry-run is given or a row has a problem."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from partnerships import imports
from partnerships.models import Partnership


class Command(BaseCommand):
    help = "Import people and teams into a partnership from a CSV or XLSX file (see the README)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV or XLSX file.")
        parser.add_argument(
            "--partnership", type=int, required=True, help="The partnership's id (in the admin)."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check and show what would change; change nothing.",
        )
        parser.add_argument(
            "--several-teams",
            action="store_true",
            help="Let one person's address be in rows of more than one team.",
        )
        parser.add_argument(
            "--end-missing",
            action="store_true",
            help="End the membership of people in the file's teams whom the file leaves out.",
        )
        parser.add_argument(
            "--invited-by",
            metavar="EMAIL",
            help="The lead the invitation e-mails name (default: the partnership's lead).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        partnership = Partnership.objects.filter(pk=options["partnership"]).first()
        if partnership is None:
            raise CommandError(f"There is no partnership with id {options['partnership']}.")
        by = None
        if options["invited_by"]:
            by = User.objects.filter(email=options["invited_by"].strip().lower()).first()
            if by is None:
                raise CommandError(f"There is no account for {options['invited_by']}.")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        try:
            rows, problems = imports.check(
                imports.read(path.read_bytes(), path.name), several_teams=options["several_teams"]
            )
        except imports.Refused as refused:
            raise CommandError(refused.message) from None
        if problems:
            lines = [f"Row {p.row}, {p.column}: {p.message}" for p in problems]
            raise CommandError(
                f"Nothing was imported: {len(problems)} problem(s) to fix first.\n"
                + "\n".join(lines)
            )
        change = imports.plan(partnership, rows)
        for line in imports.summary(change):
            self.stdout.write(line)
        if options["end_missing"]:
            self.stdout.write(f"{change.ending} memberships or invitations to end")
        if options["dry_run"]:
            self.stdout.write("Nothing was changed (--dry-run).")
            return
        done = imports.apply(partnership, rows, by=by, end_missing=options["end_missing"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported into {partnership.name}: {done.organisations} organisations and "
                f"{done.teams} teams added, {done.invited} people invited, {done.added} people "
                f"with accounts added, {done.ended} memberships or invitations ended. The "
                "e-mails go out through the worker (manage.py db_worker)."
            )
        )
