"""The record's audit: what breaks provenance or would mislead a reader, found in the stored record.

Each check reads the whole record and yields findings. A finding is an ``error`` (the record
breaks a rule: an event without evidence, a quote no longer in its source, a report given to
someone who did not write it) or a ``review`` flag (a likely mistake a person should look at: a
quote holding several sentences, a summary naming an occasion no claim attests). ``manage.py
audit_record`` prints them, one line each, and fails when there is any error.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tracker import quotes
from tracker.models import (
    Claim,
    ClaimKind,
    ClaimRelation,
    ClaimStatus,
    Event,
    RelationType,
    Source,
    text_digest,
)
from tracker.selectors import querysets

ERROR, REVIEW = "error", "review"


@dataclass(frozen=True)
class Finding:
    level: str  # ERROR or REVIEW
    check: str  # the check's name, e.g. "unattested-event"
    record: str  # "event vladivostok-summit-2019"
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.record}: {self.check}: {self.message}"


Check = Callable[[], Iterator[Finding]]
CHECKS: list[Check] = []


def check(function: Check) -> Check:
    CHECKS.append(function)
    return function


def audit() -> list[Finding]:
    """Every finding of every check, errors first, each group in the checks' order."""
    findings = [finding for run in CHECKS for finding in run()]
    return sorted(findings, key=lambda finding: finding.level != ERROR)


# --- Evidence -------------------------------------------------------------------------------


@check
def unattested_events() -> Iterator[Finding]:
    """An event with no claim whose quote stands in its source: nothing says who reports it."""
    for slug in Event.objects.filter(querysets.attested_events(False)).values_list(
        "slug", flat=True
    ):
        yield Finding(
            ERROR, "unattested-event", f"event {slug}",
            "no claim with a quote from its source is attached to it.",
        )  # fmt: skip


@check
def claims_without_quote() -> Iterator[Finding]:
    """A claim with no quote is a paraphrase no one can check against the document."""
    for slug in Claim.objects.filter(quote="").values_list("slug", flat=True):
        yield Finding(ERROR, "claim-without-quote", f"claim {slug}", "it has no quote.")


@check
def quotes_in_sources() -> Iterator[Finding]:
    """Quotes that no longer stand in their source, or that cut a word in two (a quote must
    begin and end on word boundaries, else it may say what the document does not)."""
    for source, claims in _claims_by_source():
        locator = quotes.Locator(source.text)
        for claim in claims:
            match = locator.locate(claim.quote)
            if match is None:
                yield Finding(
                    ERROR, "quote-not-in-source", f"claim {claim.slug}",
                    f"its quote does not stand in the text of the source '{source.slug}'.",
                )  # fmt: skip
                continue
            cut = _cut_words(source.text, match)
            if cut:
                yield Finding(
                    ERROR, "quote-cuts-a-word", f"claim {claim.slug}",
                    f"its quote {cut} in the middle of a word of the source.",
                )  # fmt: skip
            if _sentences(claim.quote) > 1:
                yield Finding(
                    REVIEW, "quote-holds-several-sentences", f"claim {claim.slug}",
                    "its quote holds more than one sentence: split it into one claim per "
                    "statement unless they make one.",
                )  # fmt: skip


def _claims_by_source() -> Iterator[tuple[Source, list[Claim]]]:
    claims: dict[int, list[Claim]] = defaultdict(list)
    for claim in Claim.objects.exclude(quote="").only("slug", "quote", "source_id"):
        claims[claim.source_id].append(claim)
    for source in Source.objects.filter(pk__in=list(claims)).only("slug", "text"):
        yield source, claims[source.pk]


def _cut_words(text: str, match: quotes.Match) -> str:
    before = text[match.start - 1] if match.start > 0 else " "
    after = text[match.end] if match.end < len(text) else " "
    first, last = text[match.start], text[match.end - 1]
    ends = []
    if before.isalnum() and first.isalnum():
        ends.append("begins")
    if after.isalnum() and last.isalnum():
        ends.append("ends")
    return " and ".join(ends)


# A sentence ends at . ! or ? (closing quotes or brackets may follow) before a capital letter.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+[\"'\u201c\u2018(\[]*[A-Z]")
# Abbreviations whose full stop does not end a sentence.
_ABBREVIATION = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|Feb|Jan|Aug|Sept?|Oct|Nov|Dec|U\.S|U\.N|No)\.$")


def _sentences(quote: str) -> int:
    count = 1
    for end in _SENTENCE_END.finditer(quote):
        if not _ABBREVIATION.search(quote[: end.start() + 1]):
            count += 1
    return count


@check
def source_hashes() -> Iterator[Finding]:
    """A source whose stored hash is not its text's: the text changed outside the record's
    writes (or the hash did), so the capture can no longer be vouched for."""
    for source in Source.objects.only("slug", "text", "text_sha256").iterator():
        if source.text_sha256 != text_digest(source.text):
            yield Finding(
                ERROR, "source-hash-mismatch", f"source {source.slug}",
                "text_sha256 is not the SHA-256 of its text.",
            )  # fmt: skip


@check
def report_claimants() -> Iterator[Finding]:
    """A report is the document's own narration: its claimant must be the document's author,
    else its publisher, else an outlet it credits."""
    reports = Claim.objects.filter(kind=ClaimKind.REPORT).select_related("claimant", "source")
    credits: dict[int, set[int]] = defaultdict(set)
    for source_id, actor_id in Source.credits.through.objects.values_list("source_id", "actor_id"):
        credits[source_id].add(actor_id)
    for claim in reports.only(
        "slug", "claimant__name", "claimant__aliases", "source__slug", "source__author",
        "source__publisher_id",
    ):  # fmt: skip
        source, claimant = claim.source, claim.claimant
        names = {name.casefold() for name in [claimant.name, *(claimant.aliases or [])]}
        if (
            (source.author and source.author.casefold() in names)
            or claimant.pk == source.publisher_id
            or claimant.pk in credits[source.pk]
        ):
            continue
        yield Finding(
            ERROR, "report-claimant", f"claim {claim.slug}",
            f"a report of '{source.slug}' is given to '{claimant.name}', who is neither its "
            "author, its publisher nor an outlet it credits.",
        )  # fmt: skip


# --- Statuses -------------------------------------------------------------------------------


@check
def contradicted_but_unverified() -> Iterator[Finding]:
    """A claim that a report contradicts is at least disputed: left unverified, the record
    says less than the document it cites."""
    relations = ClaimRelation.objects.filter(
        type=RelationType.CONTRADICTS,
        from_claim__kind=ClaimKind.REPORT,
        to_claim__status=ClaimStatus.UNVERIFIED,
    ).values_list("to_claim__slug", "from_claim__slug")
    for slug, by in relations.order_by("to_claim__slug"):
        yield Finding(
            ERROR, "contradicted-but-unverified", f"claim {slug}",
            f"the report '{by}' contradicts it, yet its status is unverified.",
        )  # fmt: skip


# --- Occasions ------------------------------------------------------------------------------

# Capitalised words a summary may use without naming an occasion.
_COMMON = frozenset(
    {
        "A", "An", "And", "As", "At", "But", "By", "For", "From", "He", "His", "In", "It", "Its",
        "Of", "On", "Or", "She", "That", "The", "Their", "They", "This", "To", "With", "After",
        "Before", "During", "While",
    }
)  # fmt: skip
_NAME = re.compile(r"\b[A-Z][\w'\u2019-]+")


@check
def summaries_beyond_evidence() -> Iterator[Finding]:
    """An event whose summary names something (a person, a place, an outlet: a capitalised
    word) that none of its claims' passages mention: the occasion may not be attested."""
    passages: dict[int, list[str]] = defaultdict(list)
    texts = dict(Source.objects.values_list("pk", "text"))
    rows = Claim.events.through.objects.exclude(claim__quote="").values_list(
        "event_id", "claim__source_id", "claim__quote_start", "claim__quote_end"
    )
    for event_id, source_id, start, end in rows:
        if start is not None and end is not None:  # a quote has both ends (a constraint)
            passages[event_id].append(_paragraph(texts[source_id], start, end).casefold())
    for event in Event.objects.filter(pk__in=list(passages)).only("slug", "summary"):
        missing = [
            name
            for name in dict.fromkeys(_names(event.summary))
            if not any(_stem(name) in passage for passage in passages[event.pk])
        ]
        if missing:
            yield Finding(
                REVIEW, "summary-beyond-evidence", f"event {event.slug}",
                f"its summary names {', '.join(missing)}, which none of its claims' passages "
                "mention.",
            )  # fmt: skip


def _names(summary: str) -> Iterator[str]:
    """Capitalised words of a summary, but those that only open a sentence."""
    for match in _NAME.finditer(summary):
        before = summary[: match.start()].rstrip()
        opens_sentence = not before or before[-1] in ".!?:"
        if match.group() not in _COMMON and not opens_sentence:
            yield match.group()


def _stem(name: str) -> str:
    """A name as a passage may hold it: lower case, without a possessive ending."""
    return name.removesuffix("'s").removesuffix("\u2019s").casefold()


def _paragraph(text: str, start: int, end: int) -> str:
    """The paragraph (text between blank lines) around a quote, the quote included."""
    first = text.rfind("\n\n", 0, start)
    last = text.find("\n\n", end)
    return text[first + 1 if first >= 0 else 0 : last if last >= 0 else len(text)]
