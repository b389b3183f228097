"""The seed record: loads on a fresh database, passes full validation, quotes its sources."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.records import entries, snapshot
from tracker import quotes
from tracker.models import Actor, Claim, ClaimRelation, Event, EventActor, Source, Tag

pytestmark = pytest.mark.django_db

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
MODELS = [ClaimRelation, Claim, EventActor, Event, Source, Tag, Actor]
COUNTS = {Source: 5, Actor: 56, Tag: 15, Event: 35, EventActor: 83, Claim: 140, ClaimRelation: 39}


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
        '[{"model": "tracker.actor", "fields": {"slug": "new-envoy", "name": "N",'
        ' "kind": "person"}},'
        ' {"model": "tracker.claim", "fields": {"slug": "invented", "text": "Invented.",'
        ' "quote": "Relations have never been better.", "claimant": ["alexander-matsegora"],'
        ' "source": ["tass-2020-02-07-matsegora-interview"], "stated": "2020-02-07"}}]'
    )
    before = snapshot()
    with pytest.raises(CommandError, match="tracker.Claim 'invented' is invalid: {'quote'"):
        call_command("loaddata", str(fixture), verbosity=0)
    assert snapshot() == before  # the actor before it too, and no history entry


def test_a_load_is_one_history_entry_per_record_with_its_links(tmp_path):
    """Through the services: an event is saved, then its participants and tags are loaded;
    it has one entry, made by no one, that names the load and holds its links."""
    fixture = tmp_path / "extra.json"
    fixture.write_text(
        '[{"model": "tracker.actor", "fields": {"slug": "new-envoy", "name": "A New Envoy",'
        ' "kind": "person", "affiliation": ["russia"]}},'
        ' {"model": "tracker.event", "fields": {"slug": "new-talks", "title": "Talks",'
        ' "date": "2023-05", "tags": [["summit"]]}},'
        ' {"model": "tracker.eventactor", "fields": {"event": ["new-talks"],'
        ' "actor": ["new-envoy"], "role": "host"}}]'
    )
    call_command("loaddata", str(fixture), verbosity=0)
    actor, event = Actor.objects.get(slug="new-envoy"), Event.objects.get(slug="new-talks")
    reason = f"loaddata {fixture}"
    assert (entries(actor), entries(event)) == ([("+", None, reason)], [("+", None, reason)])
    assert event.history.get().links == {
        "actors": [{"actor": "new-envoy", "role": "host"}],
        "tags": ["summit"],
    }
    # Loaded again: nothing changed, nothing recorded.
    before = {label: rows for label, rows in snapshot().items() if "Historical" in label}
    call_command("loaddata", str(fixture), verbosity=0)
    assert {label: rows for label, rows in snapshot().items() if "Historical" in label} == before
    # A changed record: one "changed" entry.
    fixture.write_text(fixture.read_text().replace('"Talks"', '"The talks"'))
    call_command("loaddata", str(fixture), verbosity=0)
    assert entries(event) == [("~", None, reason), ("+", None, reason)]
    assert entries(actor) == [("+", None, reason)]


def test_the_seed_record_names_its_load():
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    assert entries(claim) == [("+", None, "loaddata places record")]


def test_a_fixture_with_an_invalid_date_is_refused(tmp_path):
    fixture = tmp_path / "bad.json"
    fixture.write_text(
        '[{"model": "tracker.event", "fields": {"slug": "never", "title": "Never",'
        ' "date": "2022-02-30"}}]'
    )
    with pytest.raises(CommandError, match="date"):
        call_command("loaddata", str(fixture), verbosity=0)
    assert not Event.objects.filter(slug="never").exists()


# The record as an editor read it (issues 11 and 18): every event attested, reports filed under
# the document's author, publisher or credited outlet, and the corrected quotes pinned word for word.


def test_every_event_is_attested_by_a_quoted_claim():
    unattested = Event.objects.exclude(claims__quote__gt="").values_list("slug", flat=True)
    assert list(unattested) == []


def test_every_report_is_filed_under_the_author_publisher_or_a_credited_outlet():
    for claim in Claim.objects.filter(kind="report").select_related("claimant", "source"):
        source = claim.source
        allowed = {source.publisher_id, *source.credits.values_list("pk", flat=True)}
        names = {claim.claimant.name, *claim.claimant.aliases}
        assert claim.claimant_id in allowed or source.author in names, claim.slug


def test_a_claim_a_report_contradicts_is_not_left_unverified():
    for relation in ClaimRelation.objects.filter(type="contradicts", from_claim__kind="report"):
        assert relation.to_claim.status != "unverified", relation.to_claim.slug


def test_quotes_start_and_end_on_word_boundaries():
    for claim in Claim.objects.select_related("source"):
        text = claim.source.text
        start, end = claim.quote_start, claim.quote_end
        assert not (start > 0 and text[start].isalnum() and text[start - 1].isalnum()), claim.slug
        assert not (end < len(text) and text[end - 1].isalnum() and text[end].isalnum()), claim.slug


@pytest.mark.parametrize(
    ("slug", "quote"),
    [
        ("timonin-sanctions-spare-citizens-2017",
         'However, the sanctions should not "close the door for dialogue with North Korea aimed at'
         ' solving the nuclear issue" and have a negative impact on the life of North Korea’s'
         " citizens, the diplomat added"),
        ("matsegora-korean-builders-donbas-2022",
         "Highly qualified, hardworking, and ready to work in the most difficult conditions, Korean"
         " builders will be an asset in the serious task of restoring social, infrastructural and"
         " industrial facilities [in the Donbas]"),
        ("matsegora-ukronazis-2022", "destroyed by the retreating Ukronazis"),
        ("reuters-russia-stepping-up-support-2017",
         "Russia is stepping up economic support to North Korea despite Pyongyang imposed sanctions"),
        ("lee-polyanskiy-linked-us-sanctions-threat-2022",
         "while also linking them with the threat of U.S. sanctions against his own country for its"
         " military build-up along the border with Ukraine"),
        ("matsegora-russia-second-to-china-2020",
         "Russia is second to China in economic cooperation with North Korea"),
        ("lee-gorbachev-premiership-2022",
         "beginning with the premiership of the last Soviet leader Mikhail Gorbachev"),
        ("lee-first-nuclear-test-may-2009-2022", "for conducting its first nuclear test in May 2009"),
        ("timonin-no-military-political-cooperation-2017",
         '"Russia is not developing military and political cooperation with North Korea now'),
        ("lee-nuclear-test-may-2009-2022", "nuclear test in May 2009"),
        ("kortunov-assad-help-middle-east-influence-2017",
         "Moscow believes that the preservation of the status quo makes it an influential player in"
         " the geopolitical arena in the conditions of crisis thanks to its close ties with Pyongyang"
         " – as well as help to Assad to increase its influence in the middle East, said Kortunov"),
    ],
)  # fmt: skip
def test_corrected_quotes_keep_their_words(slug, quote):
    assert Claim.objects.get(slug=slug).quote == quote


@pytest.mark.parametrize(
    ("slug", "kind", "claimant", "status"),
    [
        ("reuters-russia-stepping-up-support-2017", "report", "reuters", "unverified"),
        ("lee-polyanskiy-linked-us-sanctions-threat-2022", "report", "michael-lee", "unverified"),
        ("matsegora-ukronazis-2022", "statement", "alexander-matsegora", "disputed"),
        ("matsegora-korean-builders-donbas-2022", "statement", "alexander-matsegora", "unverified"),
        ("lee-gorbachev-premiership-2022", "report", "michael-lee", "refuted"),
        ("lee-first-nuclear-test-may-2009-2022", "report", "michael-lee", "refuted"),
        ("lee-nuclear-test-may-2009-2022", "report", "michael-lee", "unverified"),
        ("tass-sanctions-answered-nuclear-test-and-rocket-2016", "report", "tass", "disputed"),
        ("lee-putin-first-took-office-1999-2022", "report", "michael-lee", "disputed"),
        ("lee-vladivostok-summit-caption-2019", "report", "michael-lee", "unverified"),
        ("lee-north-korea-recognized-dpr-lpr-2022", "report", "michael-lee", "disputed"),
    ],
)
def test_kind_claimant_and_status_of_the_corrected_claims(slug, kind, claimant, status):
    claim = Claim.objects.get(slug=slug)
    assert (claim.kind, claim.claimant.slug, claim.status) == (kind, claimant, status)
    assert status == "unverified" or claim.notes  # a reader is told why


def test_paraphrases_say_who_believes_and_who_linked_what():
    assert Claim.objects.get(slug="kortunov-assad-help-middle-east-influence-2017").text == (
        "Moscow believes that helping Assad increases its influence in the Middle East."
    )
    assert Claim.objects.get(slug="lee-polyanskiy-linked-us-sanctions-threat-2022").text == (
        "In the reporter's account, Polyanskiy linked the additional sanctions against North Korea"
        " to the threat of US sanctions against Russia over its military build-up along the border"
        " with Ukraine."
    )


def test_photo_agencies_credit_photos_and_take_part_in_no_event():
    credited = ["yonhap", "kcna", "ap", "russian-foreign-ministry-press-service"]
    assert not EventActor.objects.filter(actor__slug__in=credited).exists()
    assert set(
        EventActor.objects.filter(event__slug="vladivostok-summit-2019").values_list(
            "actor__slug", "role"
        )
    ) == {("kim-jong-un", "participant"), ("vladimir-putin", "participant"), ("russia", "host")}


def test_timonin_is_quoted_in_the_body_not_the_subheadline():
    claim = Claim.objects.get(slug="timonin-no-military-political-cooperation-2017")
    body = claim.source.text.index("SEOUL, February 3")
    assert claim.quote_start > body


def test_the_may_2009_test_has_evidence_that_is_not_refuted():
    test = Event.objects.get(slug="north-korea-nuclear-test-2009")
    assert set(test.claims.values_list("slug", "status")) == {
        ("lee-first-nuclear-test-may-2009-2022", "refuted"),
        ("lee-nuclear-test-may-2009-2022", "unverified"),
    }


def test_kyivs_statement_is_an_occasion_of_its_own():
    statement = Event.objects.get(slug="ukrainian-foreign-ministry-statement-2022")
    assert statement.date == "2022-07" and statement.notes
    assert set(statement.claims.values_list("slug", flat=True)) == {
        "kyiv-russia-appealed-for-recognition-2022",
        "kyiv-russia-lacks-allies-2022",
        "kyiv-russia-pariah-status-will-grow-2022",
        "kuleba-russia-isolation-like-dprk-2022",
    }
    assert set(statement.participations.values_list("actor__slug", "role")) == {
        ("ukrainian-foreign-ministry", "speaker"),
        ("dmytro-kuleba", "speaker"),
    }
    severance = Event.objects.get(slug="ukraine-severs-relations-north-korea-2022")
    assert list(severance.claims.values_list("slug", flat=True)) == [
        "lee-kyiv-severed-relations-2022"
    ]
    assert "statement" not in severance.summary


def test_claims_tied_to_no_occasion_are_on_no_occasion():
    recognition = Event.objects.get(slug="north-korea-recognizes-dpr-lpr-2022")
    assert not recognition.claims.filter(claimant__slug="alexander-matsegora").exists()
    proposals = Claim.objects.get(slug="lee-russia-opposed-us-sanctions-proposals-2022")
    assert not proposals.events.exists()


@pytest.mark.parametrize(
    ("from_claim", "type_", "to_claim"),
    [
        ("polyanskiy-sanctions-toxic-atmosphere-2022", "supports",
         "lee-russia-opposed-us-sanctions-proposals-2022"),
        ("reuters-tankers-declared-other-ports-2017", "supports",
         "us-officials-tanker-sanctions-evasion-2017"),
        ("polyanskiy-unilateral-measures-2022", "supports",
         "lee-polyanskiy-linked-us-sanctions-threat-2022"),
        ("tass-timonin-rejected-media-reports-2017", "contradicts",
         "south-korean-media-pyongyang-unwilling-2017"),
        ("kortunov-status-quo-influence-2017", "supports", "kortunov-kim-protection-like-assad-2017"),
        ("kortunov-assad-help-middle-east-influence-2017", "supports",
         "kortunov-kim-protection-like-assad-2017"),
        ("kortunov-leverage-loss-if-kim-falls-2017", "supports",
         "kortunov-kim-protection-like-assad-2017"),
    ],
)  # fmt: skip
def test_relations_the_text_sets_up(from_claim, type_, to_claim):
    assert ClaimRelation.objects.filter(
        from_claim__slug=from_claim, type=type_, to_claim__slug=to_claim
    ).exists()
    assert not ClaimRelation.objects.filter(
        from_claim__slug="reuters-eight-tankers-diesel-2017",
        to_claim__slug="us-officials-tanker-sanctions-evasion-2017",
    ).exists()


@pytest.mark.parametrize(
    ("slug", "date", "in_notes"),
    [
        ("us-sanctions-threat-russia-buildup-2022", "2022-02?", "December 2021"),
        ("russia-north-korea-trade-doubles-2017", "2017?", "2017?"),
        ("north-korean-visa-times-cut-2017", "2017?", "2017?"),
        ("north-korea-recognizes-dpr-lpr-2022", "2022-07", "13 July 2022"),
        ("russia-invades-ukraine-2022", "2022-02/2022-07", "24 February 2022"),
        ("unga-resolution-ukraine-withdrawal-2022", "2022-02/2022-07", "2 March 2022"),
    ],
)
def test_dates_no_more_precise_than_the_text_and_the_real_ones_in_notes(slug, date, in_notes):
    event = Event.objects.get(slug=slug)
    assert event.date == date
    assert in_notes in event.notes


def test_the_izvestia_interview_is_only_the_builders_remark():
    event = Event.objects.get(slug="matsegora-izvestia-interview-2022")
    assert set(event.claims.values_list("slug", flat=True)) == {
        "lee-matsegora-told-izvestia-2022",
        "matsegora-korean-builders-donbas-2022",
        "matsegora-ukronazis-2022",
        "lee-ukronazis-term-false-2022",
        "lee-moscow-pyongyang-drawing-closer-2022",
    }
    assert "trade" not in event.summary


def test_sources_say_where_their_text_came_from():
    trade = Source.objects.get(slug="russia-doubled-trade-2017")
    assert (
        trade.retrieved,
        trade.publisher,
        list(trade.credits.values_list("slug", flat=True)),
    ) == (
        "2018-07-18",
        None,
        ["reuters"],
    )
    assert Event.objects.get(slug="matsegora-tass-interview-2020").date == "2020-02-07?"
