"""manage.py audit_record: the record's provenance checks, run the way a curator runs them."""

import io

import pytest
from django.core.management import call_command

from tests.factories import ActorFactory, ClaimFactory, EventFactory, SourceFactory
from tracker.models import Claim, ClaimRelation, Event, Source


def run_audit(*args) -> tuple[int, list[str], str]:
    """The command's exit code, its finding lines and its last line."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_record", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    lines = out.getvalue().splitlines()
    findings = [line for line in lines if line.startswith(("error: ", "review: "))]
    return code, findings, (err.getvalue() or out.getvalue()).strip().splitlines()[-1]


@pytest.mark.django_db
def test_the_seed_record_passes_the_audit():
    code, findings, summary = run_audit()
    assert [line for line in findings if line.startswith("error")] == []
    assert code == 0
    assert summary.startswith("The record passes the audit: 0 error(s)")


@pytest.mark.django_db
def test_a_quote_made_to_disagree_with_its_source_fails_the_audit_naming_it():
    claim = Claim.objects.exclude(quote="").order_by("pk").first()
    Claim.objects.filter(pk=claim.pk).update(quote="words the document never printed")
    code, findings, summary = run_audit()
    assert code == 1
    assert (
        f"error: claim {claim.slug}: quote-not-in-source: its quote does not stand in the text "
        f"of the source '{claim.source.slug}'."
    ) in findings
    assert summary.endswith("error(s), " + summary.split(", ")[1])


@pytest.fixture
def source(db):
    return SourceFactory(
        slug="wire", author="Jo Writer",
        text="Jo Writer reports: trade doubled. The envoy said the talks failed. They did not.",
    )  # fmt: skip


def test_an_event_without_evidence_is_an_error(source):
    EventFactory(slug="bare-event")
    ClaimFactory(slug="paraphrase", source=source, quote="", events=[EventFactory(slug="para")])
    code, findings, _ = run_audit()
    assert code == 1
    assert (
        "error: event bare-event: unattested-event: no claim with a quote from its source is "
        "attached to it."
    ) in findings
    assert (
        "error: event para: unattested-event: no claim with a quote from its source is attached to it."
        in findings
    )
    assert "error: claim paraphrase: claim-without-quote: it has no quote." in findings


def test_a_quote_that_cuts_a_word_is_an_error(source):
    ClaimFactory(slug="cut", source=source, quote="rade doubled")
    ClaimFactory(slug="cut-end", source=source, quote="The envoy sa")
    ClaimFactory(slug="whole", source=source, quote="trade doubled")
    _, findings, _ = run_audit()
    assert (
        "error: claim cut: quote-cuts-a-word: its quote begins in the middle of a word of the source."
        in findings
    )
    assert (
        "error: claim cut-end: quote-cuts-a-word: its quote ends in the middle of a word of the source."
        in findings
    )
    assert not [line for line in findings if "claim whole:" in line]


def test_a_source_whose_text_changed_behind_the_record_is_an_error(source):
    Source.objects.filter(pk=source.pk).update(text=source.text + " Edited.")
    _, findings, _ = run_audit()
    assert (
        "error: source wire: source-hash-mismatch: text_sha256 is not the SHA-256 of its text."
        in findings
    )


def test_a_report_belongs_to_the_author_publisher_or_a_credited_outlet(source):
    author = ActorFactory(slug="jo", name="Jo Writer")
    agency = ActorFactory(slug="agency", name="Agency", kind="media")
    stranger = ActorFactory(slug="stranger", name="Someone Else")
    source.credits.add(agency)
    quote = "trade doubled"
    ClaimFactory(slug="by-author", kind="report", claimant=author, source=source, quote=quote)
    ClaimFactory(
        slug="by-publisher", kind="report", claimant=source.publisher, source=source, quote=quote
    )
    ClaimFactory(slug="by-agency", kind="report", claimant=agency, source=source, quote=quote)
    ClaimFactory(slug="by-stranger", kind="report", claimant=stranger, source=source, quote=quote)
    ClaimFactory(
        slug="said-by-stranger", kind="statement", claimant=stranger, source=source, quote=quote
    )
    _, findings, _ = run_audit()
    assert [line for line in findings if "report-claimant" in line] == [
        "error: claim by-stranger: report-claimant: a report of 'wire' is given to 'Someone Else', "
        "who is neither its author, its publisher nor an outlet it credits."
    ]


def test_a_claim_a_report_contradicts_cannot_stay_unverified(source):
    said = ClaimFactory(slug="talks-failed", source=source, quote="the talks failed")
    report = ClaimFactory(
        slug="did-not",
        kind="report",
        claimant=source.publisher,
        source=source,
        quote="They did not.",
    )
    ClaimRelation.objects.create(from_claim=report, to_claim=said, type="contradicts")
    code, findings, _ = run_audit()
    line = "error: claim talks-failed: contradicted-but-unverified: the report 'did-not' contradicts it, yet its status is unverified."
    assert code == 1 and line in findings
    Claim.objects.filter(pk=said.pk).update(status="disputed")
    assert line not in run_audit()[1]


def test_review_flags_do_not_fail_the_audit_unless_strict(source):
    ClaimFactory(slug="two-sentences", source=source, quote="the talks failed. They did not.")
    event = EventFactory(slug="summit-x")
    Event.objects.filter(pk=event.pk).update(summary="Leaders met in Vladivostok and agreed.")
    ClaimFactory(slug="x-claim", source=source, quote="trade doubled", events=[event])
    _, findings, _ = run_audit()
    assert (
        "review: claim two-sentences: quote-holds-several-sentences: its quote holds more than "
        "one sentence: split it into one claim per statement unless they make one."
    ) in findings
    assert (
        "review: event summit-x: summary-beyond-evidence: its summary names Vladivostok, which "
        "none of its claims' passages mention."
    ) in findings
    # Review flags alone: the errors above come from nothing else in this test's records.
    assert [line for line in findings if line.startswith("error") and "summit-x" in line] == []
