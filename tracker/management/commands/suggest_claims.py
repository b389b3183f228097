"""suggest_claims: the workbench's suggestions for a source, and how they score against the record.

    python manage.py suggest_claims tass-2020-02-07-matsegora-interview
    python manage.py suggest_claims tass-2020-02-07-matsegora-interview --score
    python manage.py suggest_claims --all --score      # every source, and the totals

Without ``--score`` it prints what the annotate page offers (claimed and rejected passages left
out). With ``--score`` it suggests on the whole text and compares with the claims the record
holds for the source: precision (suggestions that are a claim's passage), recall (claims found),
and claimant accuracy (found claims whose claimant was guessed right), for all claims and for
the ``statement`` claims. See ``tracker.suggestions``.
"""

from django.core.management.base import BaseCommand, CommandError

from tracker import suggestions
from tracker.models import ClaimKind, Source


class Command(BaseCommand):
    help = "Print the suggested claims of a source; --score compares them with its claims."

    def add_arguments(self, parser):
        parser.add_argument("source", nargs="?", help="The source's slug or id.")
        parser.add_argument("--all", action="store_true", help="Every source.")
        parser.add_argument("--score", action="store_true", help="Precision, recall, claimants.")

    def handle(self, *args, source, all, score, **options):
        if all == bool(source):
            raise CommandError("Give one source (slug or id), or --all.")
        if all:
            sources = list(Source.objects.select_related("publisher").order_by("pk"))
        else:
            lookup = {"pk": int(source)} if source.isdigit() else {"slug": source}
            try:
                sources = [Source.objects.select_related("publisher").get(**lookup)]
            except Source.DoesNotExist:
                raise CommandError(f"No source '{source}'.") from None
        totals = {"all": [], "statement": []}
        for document in sources:
            found = suggestions.for_source(document, leave_out=not score)
            if not score:
                self.stdout.write(f"# {document.slug}: {len(found)} suggestion(s)")
                for item in found:
                    who = item.claimant.name if item.claimant else "?"
                    self.stdout.write(
                        f"[{item.start}:{item.end}] {item.rule} — {who} ({item.cue}): {item.quote}"
                    )
                continue
            claims = document.claims.exclude(quote_start=None).values_list(
                "quote_start", "quote_end", "claimant_id", "kind"
            )
            for name, kinds in (("all", None), ("statement", {ClaimKind.STATEMENT})):
                rows = [(a, b, who) for a, b, who, kind in claims if kinds is None or kind in kinds]
                result = suggestions.score(found, rows)
                if name == "statement":  # precision is against every claim of the source
                    result.matched_suggestions = totals["all"][-1].matched_suggestions
                totals[name].append(result)
                self.stdout.write(f"{document.slug} [{name}]: {_line(result)}")
        if score and len(sources) > 1:
            for name, results in totals.items():
                total = suggestions.Score(*(sum(getattr(r, f) for r in results) for f in (
                    "suggestions", "claims", "matched_suggestions", "matched_claims",
                    "claimant_right")))  # fmt: skip
                self.stdout.write(f"TOTAL [{name}]: {_line(total)}")


def _line(result: suggestions.Score) -> str:
    return (
        f"{result.suggestions} suggestions, {result.claims} claims; "
        f"precision {result.precision:.2f} ({result.matched_suggestions}/{result.suggestions}), "
        f"recall {result.recall:.2f} ({result.matched_claims}/{result.claims}), "
        f"claimant accuracy {result.claimant_accuracy:.2f} "
        f"({result.claimant_right}/{result.matched_claims})"
    )
