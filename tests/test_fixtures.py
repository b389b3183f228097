"""The seed record: loads on a fresh database, passes full validation, quotes its sources."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tracker import quotes
from tracker.models import Actor, Claim, ClaimRelation, Event, EventActor, Source, Tag

pytestmark = pytest.mark.django_db

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
MODELS = [ClaimRelation, Claim, EventActor, Event, Source, Tag, Actor]
COUNTS = {Source: 5, Actor: 56, Tag: 15, Event: 34, EventActor: 87, Claim: 139, ClaimRelation: 33}


def empty_the_record():
    for model in MODELS:
        model.objects.all().delete()


def test_fixtures_load_on_a_fresh_database():
    empty_the_record()
    call_command("loaddata", "record", verbosity=0)
    assert {model: model.objects.count() for model in COUNTS} == COUNTS


def test_loading_twice_changes_nothing():
    before = {model: sorted(model.objects.values_list("pk", flat=True)) for model in COUNTS}
    call_command("loaddata", "record", verbosity=0)
    after = {model: sorted(model.objects.values_list("pk", flat=True)) for model in COUNTS}
    assert before == after


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_record_passes_full_validation(model):
    for record in model.objects.all():
        record.full_clean()


def test_every_quote_stands_in_its_source_where_its_offsets_say():
    quoted = Claim.objects.exclude(quote="").select_related("source")
    assert quoted.count() == Claim.objects.count()
    for claim in quoted:
        assert quotes.locate(claim.quote, claim.source.text) is not None, claim.slug
        excerpt = claim.source.text[claim.quote_start : claim.quote_end]
        assert quotes.fold(excerpt) == quotes.fold(claim.quote), claim.slug


def test_derived_dates_are_stored():
    summit = Event.objects.get(slug="vladivostok-summit-2019")
    assert (str(summit.date_start), str(summit.date_end), summit.date_precision) == (
        "2019-04-25",
        "2019-04-25",
        "day",
    )
    recognition = Event.objects.get(slug="north-korea-recognizes-dpr-lpr-2022")
    assert (recognition.date, str(recognition.date_start), str(recognition.date_end)) == (
        "2022-07",
        "2022-07-01",
        "2022-07-31",
    )


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the checkout")
def test_source_texts_are_the_documents_exactly_as_captured():
    documents = sorted(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt"))
    texts = sorted(Source.objects.values_list("text", flat=True))
    assert texts == documents


def test_a_fixture_with_a_quote_not_in_its_source_is_refused(tmp_path):
    fixture = tmp_path / "bad.json"
    fixture.write_text(
        '[{"model": "tracker.claim", "fields": {"slug": "invented", "text": "Invented.",'
        ' "quote": "Relations have never been better.", "claimant": ["alexander-matsegora"],'
        ' "source": ["tass-2020-02-07-matsegora-interview"], "stated": "2020-02-07"}}]'
    )
    with pytest.raises(CommandError, match="quote"):
        call_command("loaddata", str(fixture), verbosity=0)
    assert not Claim.objects.filter(slug="invented").exists()


def test_a_fixture_with_an_invalid_date_is_refused(tmp_path):
    fixture = tmp_path / "bad.json"
    fixture.write_text(
        '[{"model": "tracker.event", "fields": {"slug": "never", "title": "Never",'
        ' "date": "2022-02-30"}}]'
    )
    with pytest.raises(CommandError, match="date"):
        call_command("loaddata", str(fixture), verbosity=0)
    assert not Event.objects.filter(slug="never").exists()
