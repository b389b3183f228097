"""Model rules: EDTF validation and derived bounds, quotes as provenance, relations."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import ActorFactory, ClaimFactory, EventFactory, SourceFactory
from tracker.models import Claim, ClaimRelation, Event

pytestmark = pytest.mark.django_db


def test_saving_an_event_derives_its_bounds():
    event = EventFactory(date="2022-07~")
    event.refresh_from_db()
    assert (event.date, event.date_start, event.date_end, event.date_precision) == (
        "2022-07~",
        datetime.date(2022, 7, 1),
        datetime.date(2022, 7, 31),
        "month",
    )
    event.date = "2017?"
    event.save()
    event.refresh_from_db()
    assert (event.date_start, event.date_end, event.date_precision) == (
        datetime.date(2017, 1, 1),
        datetime.date(2017, 12, 31),
        "year",
    )


@pytest.mark.parametrize("value", ["2022-02-30", "2022-13", "July 2022", "201X"])
def test_an_invalid_edtf_date_is_an_error_on_that_field(value):
    event = Event(slug="bad-date", title="Bad date", date=value)
    with pytest.raises(ValidationError) as caught:
        event.full_clean()
    assert set(caught.value.message_dict) == {"date"}


def test_the_database_refuses_bounds_out_of_order():
    event = EventFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(
            date_start=datetime.date(2022, 2, 1), date_end=datetime.date(2022, 1, 1)
        )


def test_a_quote_is_located_in_its_source():
    claim = ClaimFactory(quote="\u201cThings  will improve.\u201d")
    text = claim.source.text
    assert text[claim.quote_start : claim.quote_end] == '"Things will improve."'


def test_a_quote_not_in_the_source_is_refused():
    source = SourceFactory()
    claim = Claim(
        slug="made-up",
        text="Made up.",
        quote="Trade is booming.",
        claimant=ActorFactory(),
        source=source,
        stated="2021",
    )
    with pytest.raises(ValidationError) as caught:
        claim.full_clean()
    assert list(caught.value.message_dict) == ["quote"]
    assert "does not appear in the text" in caught.value.message_dict["quote"][0]


def test_a_paraphrase_needs_no_quote():
    claim = ClaimFactory(quote="")
    assert (claim.quote_start, claim.quote_end) == (None, None)


def test_changing_a_source_text_may_not_orphan_its_quotes():
    claim = ClaimFactory()
    source = claim.source
    source.text = "Nothing of the sort."
    with pytest.raises(ValidationError) as caught:
        source.full_clean()
    assert claim.slug in caught.value.message_dict["text"][0]


def test_relations_refuse_self_and_duplicates():
    first, second = ClaimFactory(), ClaimFactory()
    ClaimRelation.objects.create(from_claim=first, to_claim=second, type="contradicts")
    with pytest.raises(ValidationError):
        ClaimRelation(from_claim=first, to_claim=first, type="supports").full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimRelation.objects.create(from_claim=first, to_claim=first, type="supports")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimRelation.objects.create(from_claim=first, to_claim=second, type="contradicts")


def test_slugs_are_unique():
    EventFactory(slug="same")
    with pytest.raises(ValidationError) as caught:
        Event(slug="same", title="Again", date="2020").full_clean()
    assert "slug" in caught.value.message_dict
