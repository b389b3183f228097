"""The ecosystem's formats (tracker/api/formats/): each read back with its consumer's library or
rules, for the seed record, the same filters and order as the JSON lists, streamed, errors JSON."""

import datetime
import json
import re
from pathlib import Path

import geojson
import icalendar
import pytest
from pyld import jsonld

from tests.factories import ClaimFactory, EventFactory, SourceFactory
from tracker.api import formats
from tracker.api.formats import claimreview, webannotation
from tracker.api.formats import events as events_module
from tracker.models import Claim, ClaimStatus, Event, Source

pytestmark = pytest.mark.django_db

SCHEMA = "http://schema.org/"
# No network in tests: the remote contexts are served by this loader. schema.org's context maps
# every term into its vocabulary (@vocab), which is all these documents use; the annotation
# context is not expanded here (its selectors are checked as JSON, then re-anchored).
CONTEXTS = {"https://schema.org": {"@context": {"@vocab": SCHEMA}}}


def _loader(url, options=None):
    return {"contextUrl": None, "documentUrl": url, "document": CONTEXTS[url.rstrip("/")]}


def body(response) -> str:
    assert response.status_code == 200, response.content[:500]
    assert response.streaming or response.get("Content-Type", "").startswith("application/ld")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8")


def get(api, url, **extra):
    return api.get(url, **extra)


def json_list(api, url: str) -> list[dict]:
    separator = "&" if "?" in url else "?"
    return api.get(f"{url}{separator}page_size=200").json()["results"]


# --- ClaimReview (schema.org JSON-LD) -------------------------------------------------------


def expanded_nodes(api, query="") -> list[dict]:
    document = json.loads(body(get(api, f"/api/v1/claims/?format=jsonld{query}")))
    assert document["@context"] == "https://schema.org"
    return jsonld.expand(document, {"documentLoader": _loader})


def _value(node, name):
    (item,) = node[SCHEMA + name]
    return item.get("@value", item)


def test_judged_claims_are_claimreviews_with_googles_required_properties(api, settings):
    settings.CLAIMREVIEW_AUTHOR_NAME = "Fact desk"
    settings.CLAIMREVIEW_AUTHOR_URL = "https://facts.example.org/"
    nodes = expanded_nodes(api)
    reviews = [node for node in nodes if node["@type"] == [SCHEMA + "ClaimReview"]]
    judged = Claim.objects.exclude(status=ClaimStatus.UNVERIFIED)
    assert len(nodes) == Claim.objects.count()
    assert len(reviews) == judged.count() > 0
    for review in reviews:
        url = review["@id"].split("#")[0]  # .../claims/17/#review
        claim = judged.get(pk=int(url.rstrip("/").split("/")[-1]))
        assert _value(review, "claimReviewed") == claim.text
        assert _value(review, "url") == f"http://testserver/api/v1/claims/{claim.pk}/"
        rating = _value(review, "reviewRating")
        assert rating["@type"] == [SCHEMA + "Rating"]
        assert _value(rating, "alternateName") == claim.status
        author = _value(review, "author")
        assert author["@type"] == [SCHEMA + "Organization"]
        assert _value(author, "name") == "Fact desk"
        assert _value(author, "url") == "https://facts.example.org/"
        item = _value(review, "itemReviewed")
        assert item["@type"] == [SCHEMA + "Claim"]
        assert _value(_value(item, "author"), "name") == claim.claimant.name
        assert _value(item, "datePublished") == claim.stated[:10].rstrip("~?")
        appearance = _value(item, "appearance")
        assert appearance["@type"] == [SCHEMA + "CreativeWork"]
        assert _value(appearance, "name") == claim.source.title


def test_unverified_claims_are_claims_without_a_review(api):
    nodes = expanded_nodes(api, "&status=unverified")
    assert len(nodes) == Claim.objects.filter(status=ClaimStatus.UNVERIFIED).count()
    assert {tuple(node["@type"]) for node in nodes} == {(SCHEMA + "Claim",)}


def test_a_claimant_with_a_wikidata_id_is_the_same_as_its_item(api):
    nodes = expanded_nodes(api, "&claimant=vladimir-putin")
    assert nodes
    for node in nodes:
        claim = node if node["@type"] == [SCHEMA + "Claim"] else _value(node, "itemReviewed")
        author = _value(claim, "author")
        assert author["@type"] == [SCHEMA + "Person"]
        assert _value(author, "sameAs") == "https://www.wikidata.org/wiki/Q7747"


def test_jsonld_by_accept_header(api):
    response = api.get("/api/v1/claims/?claimant=vladimir-putin", HTTP_ACCEPT="application/ld+json")
    assert response["Content-Type"] == "application/ld+json; charset=utf-8"
    assert json.loads(body(response))["@context"] == "https://schema.org"


def test_a_span_has_no_single_iso_date():
    from tracker import dates

    assert dates.iso_reduced("2017-10-01", "2017-12-31", "month") is None
    assert dates.iso_reduced("2022-07-01", "2022-07-31", "month") == "2022-07"
    assert dates.iso_reduced("2022-01-01", "2022-12-31", "year") == "2022"
    assert dates.iso_reduced("2022-07-13", "2022-07-13", "day") == "2022-07-13"


# --- Web Annotation -------------------------------------------------------------------------

ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"


def _selectors(annotation) -> tuple[dict, dict]:
    quote, position = annotation["target"]["selector"]
    assert quote["type"] == "TextQuoteSelector" and position["type"] == "TextPositionSelector"
    return quote, position


def assert_reanchors(annotation, text: str):
    """The selectors find the quote again in the source's text, both ways."""
    quote, position = _selectors(annotation)
    assert text[position["start"] : position["end"]] == quote["exact"]
    assert 0 < len(quote["prefix"]) <= 32 or position["start"] == 0
    assert len(quote["suffix"]) <= 32
    # A tool holding another copy of the text finds it by its quote and context alone.
    found = text.find(quote["prefix"] + quote["exact"] + quote["suffix"])
    assert found + len(quote["prefix"]) == position["start"]


def test_every_quote_is_an_annotation_that_reanchors_in_its_source(api):
    collection = json.loads(body(api.get("/api/v1/claims/?format=annotations")))
    assert collection["@context"] == ANNOTATION_CONTEXT
    assert collection["type"] == "AnnotationCollection"
    items = collection["first"]["items"]
    quoted = Claim.objects.exclude(quote="").select_related("source")
    assert collection["total"] == len(items) == quoted.count()
    claims = {f"http://testserver/api/v1/claims/{claim.pk}/#quote": claim for claim in quoted}
    for item in items:
        claim = claims[item["id"]]
        assert item["type"] == "Annotation"
        assert item["target"]["source"] == (
            claim.source.url
            or claim.source.archive_url
            or f"http://testserver/api/v1/sources/{claim.source_id}/"
        )
        assert_reanchors(item, claim.source.text)
        quote, position = _selectors(item)
        assert (position["start"], position["end"]) == (claim.quote_start, claim.quote_end)
        assert {body["purpose"]: body.get("value") for body in item["body"][:2]} == {
            "describing": claim.text,
            "assessing": claim.status,
        }


def test_annotations_respect_the_claim_filters_and_order(api):
    query = "claimant=alexander-matsegora&ordering=-stated"
    collection = json.loads(body(api.get(f"/api/v1/claims/?format=annotations&{query}")))
    expected = [
        f"{claim['url']}#quote"
        for claim in json_list(api, f"/api/v1/claims/?{query}")
        if claim["quote"]
    ]
    assert [item["id"] for item in collection["first"]["items"]] == expected


def test_a_sources_annotations_are_its_quotes_in_text_order(api):
    source = Source.objects.get(slug=Source.objects.order_by("pk").first().slug)
    response = api.get(f"/api/v1/sources/{source.pk}/?format=annotations")
    assert response["Content-Type"] == (
        'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"; charset=utf-8'
    )
    collection = response.json()
    items = collection["first"]["items"]
    quoted = source.claims.exclude(quote="").order_by("quote_start", "id")
    assert [item["id"] for item in items] == [
        f"http://testserver/api/v1/claims/{claim.pk}/#quote" for claim in quoted
    ]
    for item in items:
        assert_reanchors(item, source.text)


def test_annotations_by_accept_header_with_the_profile(api):
    accept = f'application/ld+json; profile="{ANNOTATION_CONTEXT}"'
    response = api.get("/api/v1/claims/?claimant=vladimir-putin", HTTP_ACCEPT=accept)
    assert json.loads(body(response))["type"] == "AnnotationCollection"


def test_a_quote_at_the_start_of_a_text_has_an_empty_prefix(api):
    source = SourceFactory(text="Trade is at its lows, the envoy said on Monday in Pyongyang.")
    ClaimFactory(source=source, quote="Trade is at its lows")
    (item,) = api.get(f"/api/v1/sources/{source.pk}/?format=annotations").json()["first"]["items"]
    quote, position = _selectors(item)
    assert (quote["prefix"], quote["exact"], position["start"]) == ("", "Trade is at its lows", 0)
    assert quote["suffix"] == ", the envoy said on Monday in Py"  # 32 characters


# --- TimelineJS -----------------------------------------------------------------------------


def timeline(api, query=""):
    return json.loads(body(api.get(f"/api/v1/events/?format=timelinejs{query}")))


def test_slides_are_true_to_the_edtf_precision(api):
    slides = {slide["unique_id"]: slide for slide in timeline(api)["events"]}
    assert len(slides) == Event.objects.count()
    day = slides["vladivostok-summit-2019"]
    assert day["start_date"] == {"year": 2019, "month": 4, "day": 25}
    assert "end_date" not in day
    assert day["display_date"] == "25 April 2019"
    month = slides["north-korea-recognizes-dpr-lpr-2022"]
    assert month["start_date"] == {"year": 2022, "month": 7}  # no made-up day
    assert month["display_date"] == "July 2022"
    year = slides["unsc-sanctions-2017"]
    assert year["start_date"] == {"year": 2017}
    span = slides["moscow-pyongyang-relations-deteriorate-1990s"]
    assert (span["start_date"], span["end_date"]) == ({"year": 1990}, {"year": 1999})
    assert span["display_date"] == "about 1990 – 1999"


def test_a_slide_groups_by_first_tag_and_holds_claims_sources_and_credits(api):
    event = Event.objects.get(slug="vladivostok-summit-2019")
    (slide,) = timeline(api, "&precision=day&q=summit&date_from=2019&date_to=2019")["events"]
    assert slide["group"] == event.tags.order_by("slug").first().slug
    assert slide["text"]["headline"] == event.title
    item = api.get(f"/api/v1/events/{event.pk}/").json()
    for claim in item["claims"]:
        assert claim["claimant"]["name"] in slide["text"]["text"]
    event = Event.objects.get(slug="matsegora-izvestia-interview-2022")
    (slide,) = timeline(api, "&date_from=2022-07-19&date_to=2022-07-19&q=izvestia")["events"]
    assert 'class="tl-credit">Sources: ' in slide["text"]["text"]
    assert slide["media"]["url"].startswith("<blockquote>")
    assert slide["media"]["credit"]


def test_the_title_slide_counts_the_events(api):
    document = timeline(api, "&tag=nuclear")
    count = Event.objects.filter(tags__slug="nuclear").count()
    assert len(document["events"]) == count
    assert document["title"]["text"]["text"].startswith(f"{count} event(s)")


def test_text_is_escaped(api):
    EventFactory(title="<script>alert(1)</script>", summary="a < b & c", date="1951")
    (slide,) = timeline(api, "&date_to=1951")["events"]
    assert slide["text"]["headline"] == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert "<p>a &lt; b &amp; c</p>" in slide["text"]["text"]


# --- iCalendar ------------------------------------------------------------------------------


def calendar(api, query=""):
    response = api.get(f"/api/v1/events/?format=ics{query}")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(body(response))


def test_events_are_all_day_vevents_over_their_edtf_bounds(api):
    entries = {str(entry["UID"]).split("@")[0]: entry for entry in calendar(api).walk("VEVENT")}
    assert len(entries) == Event.objects.count()
    for event in Event.objects.all():
        entry = entries[event.slug]
        assert entry.decoded("DTSTART") == event.date_start
        # DTEND is exclusive: the day after the last day the date may mean.
        assert entry.decoded("DTEND") == event.date_end + datetime.timedelta(days=1)
        assert str(entry["SUMMARY"]) == event.title
        assert str(entry["URL"]) == f"http://testserver/api/v1/events/{event.pk}/"
        assert f"Date: {event.date} (EDTF)" in str(entry["DESCRIPTION"])
        if event.location:
            assert str(entry["LOCATION"]) == event.location
    july = entries["north-korea-recognizes-dpr-lpr-2022"]
    assert (july.decoded("DTSTART"), july.decoded("DTEND")) == (
        datetime.date(2022, 7, 1), datetime.date(2022, 8, 1),
    )  # fmt: skip
    summit = entries["vladivostok-summit-2019"]
    assert summit.decoded("GEO") == (43.1155, 131.8855) or tuple(
        float(x) for x in str(summit["GEO"].to_ical().decode()).split(";")
    ) == (43.1155, 131.8855)


def test_the_calendar_respects_the_filters_and_order(api):
    query = "actor=vladimir-putin&ordering=-date"
    entries = calendar(api, f"&{query}").walk("VEVENT")
    expected = [event["slug"] for event in json_list(api, f"/api/v1/events/?{query}")]
    assert [str(entry["UID"]).split("@")[0] for entry in entries] == expected


# --- GeoJSON --------------------------------------------------------------------------------


def test_events_are_a_valid_rfc7946_feature_collection(api):
    response = api.get("/api/v1/events/?format=geojson")
    assert response["Content-Type"] == "application/geo+json; charset=utf-8"
    collection = geojson.loads(body(response))
    assert isinstance(collection, geojson.FeatureCollection)
    assert collection.is_valid, collection.errors()
    features = {feature["properties"]["slug"]: feature for feature in collection["features"]}
    assert len(features) == Event.objects.count()
    for event in Event.objects.select_related("place"):
        feature = features[event.slug]
        if event.place is None:
            assert feature["geometry"] is None
        else:  # longitude first
            assert feature["geometry"]["coordinates"] == [
                event.place.longitude,
                event.place.latitude,
            ]
    assert features["vladivostok-summit-2019"]["properties"]["place"]["wikidata"] == "Q959"


def test_geojson_by_accept_header(api):
    response = api.get("/api/v1/events/?tag=summit", HTTP_ACCEPT="application/geo+json")
    assert geojson.loads(body(response)).is_valid


# --- What every format shares ---------------------------------------------------------------

EVENT_FORMATS = {
    "timelinejs": lambda text: [slide["unique_id"] for slide in json.loads(text)["events"]],
    "ics": lambda text: [
        str(entry["UID"]).split("@")[0]
        for entry in icalendar.Calendar.from_ical(text).walk("VEVENT")
    ],
    "geojson": lambda text: [f["properties"]["slug"] for f in json.loads(text)["features"]],
}
EVENT_QUERIES = [
    "",
    "date_from=2022-07&date_to=2022-07",
    "actor=alexander-matsegora&ordering=-date",
    "tag=sanctions&precision=year",
    "attested=false",
    "q=vladivostok",
    "ordering=title&claim_kind=report",
]


@pytest.mark.parametrize("name", list(EVENT_FORMATS))
@pytest.mark.parametrize("query", EVENT_QUERIES)
def test_event_formats_respect_every_filter_and_the_order(api, name, query):
    expected = [event["slug"] for event in json_list(api, f"/api/v1/events/?{query}")]
    text = body(api.get(f"/api/v1/events/?{query}&format={name}&page_size=1"))
    assert EVENT_FORMATS[name](text) == expected


CLAIM_QUERIES = [
    "",
    "claimant=alexander-matsegora",
    "status=disputed&ordering=-stated",
    "source=" + "{source}",
    "event=vladivostok-summit-2019",
    "stated_from=2022&kind=report",
    "q=sanctions",
]


def _claim_ids_jsonld(text):
    graph = json.loads(text)["@graph"]
    return [(n.get("itemReviewed") or n)["@id"] for n in graph]


@pytest.mark.parametrize("query", CLAIM_QUERIES)
def test_claim_formats_respect_every_filter_and_the_order(api, query):
    query = query.format(source=Source.objects.order_by("pk").first().slug)
    listed = json_list(api, f"/api/v1/claims/?{query}")
    text = body(api.get(f"/api/v1/claims/?{query}&format=jsonld&page=1"))
    assert _claim_ids_jsonld(text) == [claim["url"] for claim in listed]
    text = body(api.get(f"/api/v1/claims/?{query}&format=annotations"))
    assert [item["id"] for item in json.loads(text)["first"]["items"]] == [
        f"{claim['url']}#quote" for claim in listed if claim["quote"]
    ]


ALL_FORMATS = [("events", name) for name in EVENT_FORMATS] + [
    ("claims", "jsonld"),
    ("claims", "annotations"),
]


@pytest.mark.parametrize(("resource", "name"), ALL_FORMATS)
@pytest.mark.parametrize(
    "query",
    ["date_from=2022-02-30", "actor=nobody", "claimant=nobody", "page=0", "page_size=x"],
)
def test_bad_input_is_a_json_400_naming_the_parameter(api, resource, name, query):
    response = api.get(f"/api/v1/{resource}/?format={name}&{query}")
    if query.split("=")[0] in ("actor", "claimant", "date_from") and (
        (resource == "events") != (query.split("=")[0] in ("actor", "date_from"))
    ):
        return  # a parameter of the other resource
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert query.split("=")[0] in response.json()["errors"]


@pytest.mark.parametrize(("resource", "name"), ALL_FORMATS)
def test_a_format_streams_in_chunks(api, monkeypatch, resource, name):
    whole = body(api.get(f"/api/v1/{resource}/?format={name}"))
    monkeypatch.setattr(formats, "CHUNK_SIZE", 3)
    chunks = []
    original = formats.chunks

    def counted(records, size=None):
        for chunk in original(records, size):
            chunks.append(len(chunk))
            yield chunk

    for module in (claimreview, webannotation, events_module):
        monkeypatch.setattr(module, "chunks", counted)
    response = api.get(f"/api/v1/{resource}/?format={name}")
    assert response.streaming
    chunked = body(response)
    assert len(chunks) > 5 and max(chunks) == 3
    if name == "ics":  # DTSTAMP is the record's last change: the same for both reads
        assert chunked == whole
    else:
        assert json.loads(chunked) == json.loads(whole)


@pytest.mark.parametrize(("resource", "name"), ALL_FORMATS)
def test_head_reads_nothing(api, django_assert_max_num_queries, resource, name):
    with django_assert_max_num_queries(3):
        response = api.head(f"/api/v1/{resource}/?format={name}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b""


# The record version (HTTP validators), the list's rows, then per chunk what its JSON embeds:
# events five queries, claims two (their links); annotations count the quoted claims first and
# read the chunk's source texts; the calendar reads the record version again for DTSTAMP.
FORMAT_QUERIES = {
    ("events", "timelinejs"): 1 + 1 + 5,
    ("events", "geojson"): 1 + 1 + 5,
    ("events", "ics"): 1 + 1 + 5 + 1,
    ("claims", "jsonld"): 1 + 1 + 2,
    ("claims", "annotations"): 1 + 1 + 1 + 2 + 1,
}


@pytest.mark.parametrize(("resource", "name"), ALL_FORMATS)
def test_query_counts_do_not_grow_with_the_rows(api, django_assert_num_queries, resource, name):
    for n in range(10):
        event = EventFactory(date=f"1950-{n + 1:02d}", tags=["t-a"])
        ClaimFactory.create_batch(2, events=[event], stated="1950")
    query = "date_to=1950" if resource == "events" else "stated_to=1950"
    with django_assert_num_queries(FORMAT_QUERIES[resource, name]):
        body(api.get(f"/api/v1/{resource}/?format={name}&{query}"))


# --- docs/api.md ----------------------------------------------------------------------------

API_GUIDE = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
FORMATS_SECTION = API_GUIDE.split("## Formats for other tools", 1)[1]
MEDIA_TYPES = {
    "jsonld": "application/ld+json",
    "annotations": 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
    "timelinejs": "application/vnd.timelinejs+json",
    "ics": "text/calendar",
    "geojson": "application/geo+json",
}


def _examples():
    pattern = r"curl (?:-H '([^']*)' )?'http://127\.0\.0\.1:8000([^']*)'"
    return re.findall(pattern, FORMATS_SECTION)


def test_the_guide_shows_every_format():
    shown = {
        re.search(r"format=(\w+)", path).group(1) for _, path in _examples() if "format=" in path
    }
    assert shown == set(MEDIA_TYPES)


@pytest.mark.parametrize(("header", "path"), _examples())
def test_every_example_of_the_guide_answers_in_its_format(api, header, path):
    extra = (
        {"HTTP_" + header.split(":")[0].upper(): header.split(":", 1)[1].strip()} if header else {}
    )
    response = api.get(path, **extra)
    assert response.status_code == 200, (path, response.content[:300])
    name = re.search(r"format=(\w+)", path)
    expected = MEDIA_TYPES[name.group(1)] if name else header.split(":", 1)[1].strip()
    assert response["Content-Type"] == f"{expected}; charset=utf-8"
    body(response)
