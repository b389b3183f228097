"""audit_record: check the whole record for what breaks provenance or would mislead a reader.

    python manage.py audit_record            # one line per finding; exit 1 if any error
    python manage.py audit_record --strict   # review flags fail too

See ``tracker.audit`` for the checks.
"""

from django.core.management.base import BaseCommand

from tracker import audit


class Command(BaseCommand):
    help = (
        "Check the record: events without evidence, claims without a quote, quotes not in their "
        "source or cutting words, source hashes, report claimants, contradicted claims left "
        "unverified; flags quotes of several sentences and summaries beyond their evidence for "
        "review. Exit 1 if any error (with --strict, any finding)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--strict", action="store_true", help="Fail on review flags too, not only errors."
        )

    def handle(self, *args, strict, **options):
        findings = audit.audit()
        for finding in findings:
            self.stdout.write(str(finding))
        errors = sum(finding.level == audit.ERROR for finding in findings)
        flags = len(findings) - errors
        summary = f"{errors} error(s), {flags} for review."
        if errors or (strict and flags):
            self.stderr.write(summary)
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(f"The record passes the audit: {summary}"))
