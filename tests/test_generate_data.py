"""generate_data: every synthetic record valid, the same seed the same record, sizes as asked."""

import pytest
from django.core.management import CommandError, call_command

from tracker.models import Actor, Claim, ClaimRelation, Event, EventActor, Source, Tag

pytestmark = pytest.mark.django_db


def generated(prefix="syn7-"):
    return {
        "actors": Actor.objects.filter(slug__startswith=prefix),
        "sources": Source.objects.filter(slug__startswith=prefix),
        "events": Event.objects.filter(slug__startswith=prefix),
        "claims": Claim.objects.filter(slug__startswith=prefix),
    }


def fingerprint(prefix="syn7-") -> list:
    """Everything generated, by slug rather than id (ids depend on what the database held)."""
    records = generated(prefix)
    return [
        sorted(records["actors"].values_list("slug", "name", "kind", "title", "aliases")),
        sorted(records["sources"].values_list("slug", "title", "publisher__slug", "published", "text")),
        sorted(
            (e.slug, e.title, e.summary, e.date, e.location,
             sorted(e.participations.values_list("actor__slug", "role")),
             sorted(e.tags.values_list("slug", flat=True)))
            for e in records["events"]
        ),
        sorted(
            (c.slug, c.kind, c.text, c.quote, c.claimant.slug, c.source.slug, c.stated, c.status,
             sorted(c.events.values_list("slug", flat=True)))
            for c in records["claims"].select_related("claimant", "source")
        ),
        sorted(
            ClaimRelation.objects.filter(from_claim__slug__startswith=prefix).values_list(
                "from_claim__slug", "to_claim__slug", "type"
            )
        ),
    ]  # fmt: skip


def delete_generated(prefix="syn7-"):
    records = generated(prefix)
    records["claims"].delete()
    records["events"].delete()
    records["sources"].delete()
    records["actors"].delete()


def test_a_small_run_makes_valid_records_of_the_asked_size():
    call_command("generate_data", events=60, claims_per_event=4, seed=7, batch_size=25, verbosity=0)
    records = generated()
    assert records["events"].count() == 60
    assert records["claims"].count() == 240
    assert Claim.events.through.objects.filter(claim__slug__startswith="syn7-").count() >= 240
    assert EventActor.objects.filter(event__slug__startswith="syn7-").count() >= 60
    # Every record passes the same validation as the admin, the API and loaddata.
    for name in ("actors", "sources", "events", "claims"):
        for record in records[name]:
            record.full_clean()
    for relation in ClaimRelation.objects.filter(from_claim__slug__startswith="syn7-"):
        relation.full_clean()
    # Derived columns are those validation derives, and quotes stand where their offsets say.
    for claim in records["claims"].select_related("source"):
        stored = (claim.quote_start, claim.quote_end, claim.stated_start, claim.stated_end)
        claim.full_clean()
        assert (claim.quote_start, claim.quote_end, claim.stated_start, claim.stated_end) == stored
        if claim.quote:
            assert claim.source.text[claim.quote_start : claim.quote_end] == claim.quote
    for event in records["events"]:
        stored = (event.date_start, event.date_end, event.date_precision, event.date_span)
        event.full_clean()
        assert (event.date_start, event.date_end, event.date_precision, event.date_span) == stored
    # Mixed precisions, across decades; paraphrases (no quote) as well as quotes.
    assert set(records["events"].values_list("date_precision", flat=True)) == {
        "day",
        "month",
        "year",
    }
    years = {event.date_start.year for event in records["events"]}
    assert max(years) - min(years) >= 30
    assert (
        records["claims"].filter(quote="").exists() and records["claims"].exclude(quote="").exists()
    )
    assert Tag.objects.filter(events__slug__startswith="syn7-").exists()


def test_the_same_seed_and_sizes_give_the_same_record():
    call_command("generate_data", events=30, claims_per_event=3, seed=7, batch_size=7, verbosity=0)
    first = fingerprint()
    delete_generated()
    call_command("generate_data", events=30, claims_per_event=3, seed=7, batch_size=7, verbosity=0)
    assert fingerprint() == first
    call_command("generate_data", events=30, claims_per_event=3, seed=8, verbosity=0)
    assert fingerprint("syn8-") != first


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"events": 0}, "--events"),
        ({"events": 5, "claims_per_event": -1}, "--claims-per-event"),
        ({"events": 5, "batch_size": 0}, "--batch-size"),
    ],
)
def test_bad_sizes_are_refused(options, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_data", seed=9, verbosity=0, **options)
    assert not Actor.objects.filter(slug__startswith="syn9-").exists()


def test_a_seed_already_used_is_refused():
    call_command("generate_data", events=2, claims_per_event=1, seed=7, verbosity=0)
    with pytest.raises(CommandError, match="syn7-"):
        call_command("generate_data", events=2, claims_per_event=1, seed=7, verbosity=0)
