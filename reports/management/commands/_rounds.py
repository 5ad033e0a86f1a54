"""What the report commands share: finding the round, listing rounds, writing the file."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import Round
from reports import reports


class RoundReportCommand(BaseCommand):
    formats: dict[str, str] = {}  # file extension -> what it holds

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--round", type=int, help="The round's id; leave out to list rounds.")
        parser.add_argument(
            "--output", type=Path, help="The file to write; its extension picks the format."
        )

    def content(self, extension: str, data: reports.RoundData) -> bytes:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        round_ = self.round_or_list(options["round"])
        if round_ is None:
            return
        extension = self.output_format(options["output"])
        self.write(options["output"], self.content(extension, reports.round_data(round=round_)))

    def round_or_list(self, round_id: int | None) -> Round | None:
        if round_id is None:
            rounds = Round.objects.select_related("partnership").order_by(
                "partnership__name", "-opens_on"
            )
            self.stdout.write("id  partnership: round (opens – closes)")
            for round_ in rounds:
                self.stdout.write(
                    f"{round_.pk:>3} {round_.partnership.name}: {round_.name} "
                    f"({round_.opens_on:%-d %b %Y} – {round_.closes_on:%-d %b %Y})"
                )
            if not rounds:
                self.stdout.write("There are no rounds yet.")
            return None
        found = Round.objects.select_related("partnership", "checklist").filter(pk=round_id).first()
        if found is None:
            raise CommandError(
                f"There is no round with id {round_id}. Run without --round to list them."
            )
        return found

    def output_format(self, output: Path | None) -> str:
        if output is None:
            raise CommandError("Give --output FILE; its extension picks the format.")
        extension = output.suffix.lower()
        if extension not in self.formats:
            choices = ", ".join(f"{ext} ({what})" for ext, what in self.formats.items())
            raise CommandError(f"Cannot write {output.name}: use one of {choices}.")
        return extension

    def write(self, output: Path, content: bytes) -> None:
        try:
            output.write_bytes(content)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
        self.stdout.write(self.style.SUCCESS(f"Wrote {output} ({len(content):,} bytes)."))
