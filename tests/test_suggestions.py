"""The suggestion rules (tracker.suggestions) on small texts with exact expectations, the score,
the suggest_claims command on the seed record, and `repeats` through the API."""

from io import StringIO

import pytest
from django.core.management import call_command

from tracker.models import Claim, ClaimRelation, Source
from tracker.suggestions import Speaker, Suggestion, quotations, same_passage, score, suggest

MATSEGORA = Speaker(1, "Alexander Matsegora", "person", "Russian Ambassador to North Korea",
                    ("Aleksandr Matsegora",))  # fmt: skip
TIMONIN = Speaker(2, "Alexander Timonin", "person", "Russian Ambassador to South Korea")
MINISTRY = Speaker(3, "North Korean Foreign Ministry", "organisation")
KOREA = Speaker(4, "North Korea", "state", "", ("DPRK",))
CAST = [MATSEGORA, TIMONIN, MINISTRY, KOREA]


def found(text, **kwargs):
    return [
        (s.quote, s.rule, s.claimant.name if s.claimant else None)
        for s in suggest(text, CAST, **kwargs)
    ]


def test_a_direct_quotation_with_a_pronoun_after_it():
    text = (
        "Russia's Ambassador to North Korea Alexander Matsegora gave an interview.\n\n"
        "\u201cTrade between our countries remains at the lows,\u201d he said."
    )
    assert found(text) == [
        ("Trade between our countries remains at the lows", "quotation", "Alexander Matsegora")
    ]


def test_straight_marks_pair_in_order_and_an_unclosed_one_ends_at_the_next():
    text = 'A "one two three" b "four five, "six seven" end.'
    assert [text[a:b] for a, b in quotations(text)] == ["one two three", "four five, ", "six seven"]


def test_short_quotations_are_left_to_the_sentence_around_them():
    text = 'Alexander Timonin said that relations were "good" and the talks would go on soon.'
    # The sentence opens with its speaker: the sentence is the claim.
    assert found(text) == [
        ('Alexander Timonin said that relations were "good" and the talks would go on soon.',
         "reported", "Alexander Timonin"),
    ]  # fmt: skip


def test_reported_speech_forms():
    text = (
        "Alexander Timonin arrived in Seoul.\n\n"
        "The sanctions cut economic cooperation with the North deeply, the diplomat added.\n\n"
        "According to the North Korean Foreign Ministry, the two sides agreed to strengthen ties.\n\n"
        "Matsegora pointed out that the relationship is mature and sincere."
    )
    assert found(text) == [
        (
            "The sanctions cut economic cooperation with the North deeply",
            "reported",
            "Alexander Timonin",
        ),
        ("the two sides agreed to strengthen ties.", "reported", "North Korean Foreign Ministry"),
        (
            "Matsegora pointed out that the relationship is mature and sincere.",
            "reported",
            "Alexander Matsegora",
        ),
    ]


def test_a_possessive_role_goes_to_the_person_whose_title_names_the_country():
    minister = Speaker(5, "Ri Son-gwon", "person", "North Korean Foreign Minister")
    text = (
        "Alexander Matsegora met Ri Son-gwon.\n\n"
        "Russia's envoy to North Korea has openly suggested that Moscow could bolster trade."
    )
    assert [(s.quote, s.claimant.name) for s in suggest(text, [*CAST, minister])] == [
        ("Russia's envoy to North Korea has openly suggested that Moscow could bolster trade.",
         "Alexander Matsegora"),
    ]  # fmt: skip


def test_an_abbreviation_does_not_end_a_sentence():
    text = "That was disputed by Alexander Timonin, the U.S. expert, who said that the sanctions are working well."
    assert found(text) == [("the sanctions are working well.", "reported", "Alexander Timonin")]


def test_claimed_and_rejected_passages_are_left_out():
    text = "\u201cTrade between our countries remains at the lows,\u201d Matsegora said. \u201cWe hope the decline will be overcome soon,\u201d he added."
    everything = suggest(text, CAST)
    assert len(everything) == 2
    first, second = everything
    # A claim over most of the first passage hides it; a rejection hides exactly its span.
    assert [s.quote for s in suggest(text, CAST, claimed=[(first.start, first.end - 5)])] == [
        second.quote
    ]
    assert [s.quote for s in suggest(text, CAST, rejected=[(second.start, second.end)])] == [
        first.quote
    ]


def test_same_passage_means_overlapping_by_most_of_each():
    assert same_passage((0, 100), (10, 100))
    assert not same_passage((0, 100), (0, 40))  # a claim of a fraction of a long suggestion
    assert not same_passage((0, 10), (10, 20))


def test_score_counts_matches_and_claimants():
    suggestions = [
        Suggestion(0, 100, "", "quotation", MATSEGORA),
        Suggestion(200, 260, "", "reported", TIMONIN),
    ]
    result = score(
        suggestions, [(5, 100, MATSEGORA.id), (200, 250, MATSEGORA.id), (400, 450, TIMONIN.id)]
    )
    assert (result.precision, round(result.recall, 2), result.claimant_accuracy) == (1.0, 0.67, 0.5)


@pytest.mark.django_db
def test_suggest_claims_scores_the_seed_record():
    out = StringIO()
    call_command("suggest_claims", "--all", "--score", stdout=out)
    lines = out.getvalue().splitlines()
    total = next(line for line in lines if line.startswith("TOTAL [statement]"))
    # The figures docs/curation.md gives for the seed record.
    recall = float(total.split("recall ")[1].split()[0])
    accuracy = float(total.split("claimant accuracy ")[1].split()[0])
    assert recall >= 0.7 and accuracy >= 0.8, total


@pytest.mark.django_db
def test_suggest_claims_lists_a_source_and_refuses_an_unknown_one():
    out = StringIO()
    call_command("suggest_claims", "tass-2017-02-03-timonin-seoul", stdout=out)
    assert out.getvalue().startswith("# tass-2017-02-03-timonin-seoul: ")
    with pytest.raises(Exception, match="No source 'nope'"):
        call_command("suggest_claims", "nope")


@pytest.mark.django_db
def test_a_claim_repeats_another_through_the_api(curator_api):
    source = Source.objects.get(slug="tass-2020-02-07-matsegora-interview")
    other = Claim.objects.get(quote__startswith="Our Korean partners")
    body = {
        "text": "Matsegora on trade.",
        "quote": "That is why, we are still losing here to Chinese partners.",
        "claimant": "alexander-matsegora",
        "source": source.pk,
        "stated": "2020-02-07",
        "relations": [{"type": "repeats", "claim": other.slug}],
    }
    response = curator_api.post("/api/v1/claims/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["relations"] == [
        {"type": "repeats", "claim": other.pk, "direction": "outgoing"}
    ]
    assert ClaimRelation.objects.filter(type="repeats").count() == 1
    refused = curator_api.post(
        "/api/v1/claims/",
        {**body, "relations": [{"type": "echoes", "claim": other.slug}]},
        format="json",
    )
    assert refused.status_code == 400
    assert "relations[0].type" in refused.json()["errors"]
