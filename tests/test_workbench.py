"""The curator's workbench in the admin: the annotate page, saving a selection as a claim,
rejecting a suggestion, the autocompletes and repeats, through the HTTP client."""

import json
import re

import pytest
from django.contrib.auth.models import User

from tracker.models import Claim, ClaimRelation, RejectedSuggestion, Source

pytestmark = pytest.mark.django_db

SLUG = "tass-2020-02-07-matsegora-interview"
PASSAGE = "Matsegora pointed out that the Moscow-Pyongyang relationship is mature"


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def source():
    return Source.objects.get(slug=SLUG)


def url(source, action=""):
    return f"/admin/tracker/source/{source.pk}/annotate/" + (f"{action}/" if action else "")


def post(client, address, body):
    return client.post(address, json.dumps(body), content_type="application/json")


def page_data(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="workbench-data" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def test_the_annotate_page_shows_the_text_claims_and_suggestions(
    curator_client, source, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = curator_client.get(url(source))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'src="/static/tracker/workbench.js"' in html
    assert "<script>" not in html and "style=" not in html.split('id="workbench"')[1]  # CSP
    data = page_data(response)
    assert len(data["claims"]) == source.claims.count() > 10
    for claim in data["claims"]:
        stored = Claim.objects.get(pk=claim["id"])
        assert (claim["start"], claim["end"]) == (stored.quote_start, stored.quote_end)
        assert f'data-start="{claim["start"]}" data-claims="{claim["id"]}' in html or claim[
            "id"
        ] in [int(i) for i in " ".join(re.findall(r'data-claims="([\d ]*)"', html)).split()]
    assert data["source"] == {"id": source.pk, "title": source.title, "published": "2020-02-07"}
    # Every suggestion is a passage no claim holds yet.
    for suggestion in data["suggestions"]:
        assert source.text[suggestion["start"] : suggestion["end"]] == suggestion["quote"]
    assert html.count('<mark class="quote') >= 10


def test_the_change_page_links_to_the_annotate_page(curator_client, source):
    response = curator_client.get(f"/admin/tracker/source/{source.pk}/change/")
    assert f'href="{url(source)}"' in response.content.decode()


def test_a_selection_is_saved_as_a_claim_with_its_offsets_and_history(
    curator_client, source, curator
):
    start = source.text.index(PASSAGE)
    before = Claim.objects.count()
    response = post(
        curator_client,
        url(source, "claims"),
        {
            "start": start,
            "end": start + len(PASSAGE),
            "quote": PASSAGE,
            "text": "The relationship is mature.",
            "claimant": source.claims.first().claimant_id,
            "kind": "statement",
            "stated": "",
            "status": "unverified",
            "events": [],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    claim = Claim.objects.get(pk=body["claim"]["id"])
    assert (claim.quote_start, claim.quote_end, claim.quote) == (
        start,
        start + len(PASSAGE),
        PASSAGE,
    )
    assert claim.stated == "2020-02-07"  # the source's date when left empty
    assert Claim.objects.count() == before + 1
    entry = claim.history.get()
    assert (entry.history_type, entry.history_user) == ("+", curator)
    assert any(c["id"] == claim.pk for c in body["claims"])
    assert re.search(
        rf'class="quote overlap" data-start="{start}" data-claims="\d+ {claim.pk}"',
        body["text_html"],
    )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"quote": "not the text"}, "quote", "The quote is not the text between start and end."),
        ({"start": -1}, "start", "A character offset (a whole number, 0 or more)."),
        ({"end": 10**7}, "end", "The passage must lie within the text"),
        ({"claimant": None}, "claimant", "Pick the claimant."),
        ({"claimant": 10**6}, "claimant", "No actor with id 1000000."),
        ({"kind": "rumour"}, "kind", "One of: statement, report."),
        ({"status": "true"}, "status", "One of: unverified"),
        ({"stated": "2020-02-30"}, "stated", ""),
        ({"events": ["x"]}, "events", "A list of ids."),
        ({"events": [10**6]}, "events", "No event with id 1000000."),
        ({"repeats": [1]}, "repeats", "Only claims of other sources can be repeated."),
        ({"text": "a\x00b"}, "text", "Null characters are not allowed."),
        ({"new_claimant": {"name": ""}}, "new_claimant", "Give the new actor's name."),
    ],
)
def test_a_bad_claim_is_a_400_naming_the_field_and_changes_nothing(
    curator_client, source, change, field, message
):
    start = source.text.index(PASSAGE)
    body = {
        "start": start,
        "end": start + len(PASSAGE),
        "quote": PASSAGE,
        "text": "x",
        "claimant": source.claims.first().claimant_id,
        "stated": "2020-02-07",
    }
    if change.get("repeats"):
        change = {"repeats": [source.claims.first().pk]}
    body.update(change)
    before = (Claim.objects.count(), Claim.history.count(), ClaimRelation.objects.count())
    response = post(curator_client, url(source, "claims"), body)
    assert response.status_code == 400
    answer = response.json()
    assert (answer["status"], answer["code"]) == (400, "invalid")
    assert field in answer["errors"]
    assert answer["errors"][field][0].startswith(message)
    assert (Claim.objects.count(), Claim.history.count(), ClaimRelation.objects.count()) == before


def test_a_passage_that_stands_earlier_in_the_text_must_be_selected_longer(curator_client, source):
    word = "North Korea"
    second = source.text.index(word, source.text.index(word) + 1)
    response = post(
        curator_client,
        url(source, "claims"),
        {
            "start": second,
            "end": second + len(word),
            "quote": word,
            "text": "x",
            "claimant": source.claims.first().claimant_id,
        },
    )
    assert response.status_code == 400
    assert "also stand earlier in the text" in response.json()["errors"]["quote"][0]


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"text"'])
def test_a_body_that_is_not_a_json_object_is_a_400(curator_client, source, body):
    response = curator_client.post(url(source, "claims"), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"body": ["Send a JSON object."]}


def test_a_new_claimant_is_created_with_the_claim(curator_client, source):
    start = source.text.index(PASSAGE)
    response = post(
        curator_client,
        url(source, "claims"),
        {
            "start": start,
            "end": start + len(PASSAGE),
            "quote": PASSAGE,
            "text": "x",
            "new_claimant": {"name": "Ann Example", "kind": "person"},
        },
    )
    assert response.status_code == 201
    claim = Claim.objects.get(pk=response.json()["claim"]["id"])
    assert claim.claimant.name == "Ann Example"
    assert claim.claimant.history.get().history_type == "+"


def test_a_repeated_quote_is_found_and_linked_with_repeats(curator_client, source):
    other = Source.objects.get(slug="joongang-2022-07-sanctions-donetsk")
    original = other.claims.get(quote__startswith="Our Korean partners")
    # The same words, quoted in this source too.
    text = (
        source.text
        + "\n\nHe also said: \u201cOur Korean partners are very interested in spare parts.\u201d"
    )
    Source.objects.filter(pk=source.pk).update(text=text)
    quote = "Our Korean partners are very interested in spare parts"
    found = curator_client.get(url(source, "repeats"), {"quote": quote}).json()["results"]
    assert [hit["id"] for hit in found] == [original.pk]
    start = text.index(quote)
    response = post(
        curator_client,
        url(source, "claims"),
        {
            "start": start,
            "end": start + len(quote),
            "quote": quote,
            "text": "Repeated.",
            "claimant": original.claimant_id,
            "repeats": [original.pk],
        },
    )
    assert response.status_code == 201, response.content
    claim = Claim.objects.get(pk=response.json()["claim"]["id"])
    assert list(claim.relations_out.values_list("type", "to_claim")) == [("repeats", original.pk)]


def test_a_rejected_suggestion_is_no_longer_offered(curator_client, source, curator):
    suggestions = page_data(curator_client.get(url(source)))["suggestions"]
    first = suggestions[0]
    response = post(
        curator_client, url(source, "reject"), {"start": first["start"], "end": first["end"]}
    )
    assert response.status_code == 200
    assert (first["start"], first["end"]) not in {
        (s["start"], s["end"]) for s in response.json()["suggestions"]
    }
    rejected = RejectedSuggestion.objects.get(source=source)
    assert (rejected.start, rejected.end, rejected.by) == (first["start"], first["end"], curator)
    again = page_data(curator_client.get(url(source)))["suggestions"]
    assert len(again) == len(suggestions) - 1
    # Twice is the same as once.
    assert (
        post(
            curator_client, url(source, "reject"), {"start": first["start"], "end": first["end"]}
        ).status_code
        == 200
    )
    assert RejectedSuggestion.objects.filter(source=source).count() == 1


def test_the_claimant_autocomplete_searches_names_aliases_and_titles(curator_client, source):
    def names(term):
        return [
            a["name"]
            for a in curator_client.get(url(source, "actors"), {"q": term}).json()["results"]
        ]

    assert names("Aleksandr Mats") == ["Alexander Matsegora"]  # an alias
    assert "Alexander Timonin" in names("Ambassador to South Korea")  # a title
    assert names("") == []
    events = curator_client.get(url(source, "events"), {"q": "vladivostok"}).json()["results"]
    assert events and all("date" in event for event in events)


def test_only_curators_write_and_only_staff_see(client, reader, source):
    assert client.get(url(source)).status_code == 302  # to the login page
    client.force_login(reader)
    assert client.get(url(source)).status_code == 200  # may look
    response = post(client, url(source, "reject"), {"start": 0, "end": 5})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not RejectedSuggestion.objects.exists()
    nobody = User.objects.create_user("nobody", password="x", is_staff=True)
    client.force_login(nobody)
    assert client.get(url(source)).status_code == 404


def test_writes_need_post_and_the_csrf_token(curator, source):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(curator)
    assert post(strict, url(source, "reject"), {"start": 0, "end": 5}).status_code == 403
    assert strict.get(url(source, "reject")).status_code == 405


def test_an_unknown_source_is_a_404(curator_client):
    assert curator_client.get("/admin/tracker/source/999999/annotate/").status_code == 404
    assert curator_client.get("/admin/tracker/source/999999/annotate/actors/").status_code == 404


def test_a_new_event_is_created_with_the_claim(curator_client, source):
    from tracker.models import Event

    start = source.text.index(PASSAGE)
    body = {"start": start, "end": start + len(PASSAGE), "quote": PASSAGE, "text": "x",
            "claimant": source.claims.first().claimant_id,
            "new_events": [{"title": "Matsegora interview", "date": "2020-02"}]}  # fmt: skip
    response = post(curator_client, url(source, "claims"), body)
    assert response.status_code == 201, response.content
    claim = Claim.objects.get(pk=response.json()["claim"]["id"])
    event = claim.events.get()
    assert (event.title, event.date, event.history.get().history_type) == (
        "Matsegora interview",
        "2020-02",
        "+",
    )
    before = (Event.objects.count(), Claim.objects.count())
    body["new_events"] = [{"title": "Bad date", "date": "2020-13"}]
    response = post(curator_client, url(source, "claims"), body)
    assert response.status_code == 400
    assert response.json()["errors"]["new_events"][0].startswith("[0] date:")
    assert (Event.objects.count(), Claim.objects.count()) == before
