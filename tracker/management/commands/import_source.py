"""manage.py import_source FILE: one source document and its claims, all or nothing.

The work is done by ``tracker.imports.import_source``; this command reads the file and prints
the report. Exit status 0 when the file was imported (or already was), 1 with the report of
every problem otherwise. The format is documented in docs/import.md.
"""

import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError

from tracker.imports import import_source, parse_document
from tracker.models import ReviewState


class Command(BaseCommand):
    help = (
        "Import a source document and its claims from a JSON file (docs/import.md): all or "
        "nothing, and a second import of the same file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the JSON file, or - for standard input")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )
        parser.add_argument(
            "--state",
            choices=[state.value for state in ReviewState],
            default=ReviewState.DRAFT,
            help="the review state of the records it creates (default: draft, for curators to "
            "review; published for a vetted file)",
        )

    def handle(self, *args, file, dry_run, state, **options):
        try:
            if file == "-":
                raw = sys.stdin.buffer.read()
            else:
                with open(file, "rb") as handle:
                    raw = handle.read()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            document = parse_document(raw)
        except ValidationError as error:
            raise CommandError(f"{file}: {error.messages[0]} Nothing was written.") from None
        name = "standard input" if file == "-" else Path(file).name
        report = import_source(
            document=document, dry_run=dry_run, reason=f"import {name}", state=state
        )
        if not report.ok:
            self.stderr.write(report.render())
            raise CommandError(f"{file}: {len(report.problems)} problem(s); nothing was written.")
        self.stdout.write(report.render())
