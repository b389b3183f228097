"""as_of: every read answers with the record as readers saw it at a past moment, from history."""

import csv
import datetime
import io
import json
import os
from urllib.parse import quote

import pytest
from django.utils import timezone

from tracker import as_of, services
from tracker.models import Actor, Claim, Event, Source

pytestmark = pytest.mark.django_db

SLUG = "matsegora-trade-at-lows-2020"


@pytest.fixture(autouse=True)
def _fresh_snapshots():
    as_of.forget_all()
    yield
    as_of.forget_all()


def at(when: datetime.datetime) -> str:
    return "as_of=" + quote(when.isoformat())


def get(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content
    return response


def publish(record):
    """Submit and approve a draft, as a trusted script (``by`` None) may."""
    services.transition(record=record, to="in_review")
    return services.transition(record=record, to="published")


def claim():
    return Claim.objects.get(slug=SLUG)


def new_claim(**fields):
    matsegora = claim()
    return services.claim_create(
        text=fields.pop("text", "A claim made later."),
        claimant=matsegora.claimant,
        source=matsegora.source,
        stated="2020-02-07",
        **fields,
    )


def test_before_an_edit_the_old_text_after_it_the_new(api):
    old_text = claim().text
    before = timezone.now()
    services.claim_update(claim=claim(), data={"text": "Trade is at record lows."})
    after = timezone.now()
    url = f"/api/v1/claims/{claim().pk}/"
    assert get(api, f"{url}?{at(before)}").json()["text"] == old_text
    assert get(api, f"{url}?{at(after)}").json()["text"] == "Trade is at record lows."
    assert get(api, url).json()["text"] == "Trade is at record lows."
    # The record's detail as of a moment is the detail as it was then, field for field.
    assert get(api, f"{url}?{at(after)}").json() == get(api, url).json()


def test_a_record_deleted_later_still_shows_as_of_before(api):
    doomed = publish(new_claim(text="A claim soon deleted."))
    pk = doomed.pk
    before = timezone.now()
    services.claim_delete(claim=doomed)
    after = timezone.now()
    url = f"/api/v1/claims/{pk}/"
    assert get(api, f"{url}?{at(before)}").json()["text"] == "A claim soon deleted."
    assert api.get(f"{url}?{at(after)}").status_code == 404
    assert api.get(url).status_code == 404
    listed = get(api, f"/api/v1/claims/?page_size=1000&{at(before)}").json()["results"]
    assert pk in {item["id"] for item in listed}


def test_a_record_created_later_is_absent(api):
    before = timezone.now()
    later = publish(new_claim(text="A claim made later."))
    url = f"/api/v1/claims/{later.pk}/"
    assert api.get(f"{url}?{at(before)}").status_code == 404
    assert get(api, url).json()["text"] == "A claim made later."
    counted = get(api, f"/api/v1/claims/?{at(before)}").json()["count"]
    assert counted == get(api, "/api/v1/claims/").json()["count"] - 1


def test_before_any_history_the_record_is_empty(api):
    for url in ("/api/v1/events/", "/api/v1/claims/", "/api/v1/actors/", "/api/v1/sources/"):
        body = get(api, f"{url}?as_of=2001-01-01").json()
        assert (body["count"], body["results"], body["as_of"]) == (
            0,
            [],
            "2001-01-01T23:59:59.999999Z",
        )


def test_a_draft_is_absent_until_published(api):
    draft = new_claim(text="A draft nobody has reviewed.")
    drafted = timezone.now()
    publish(draft)
    published = timezone.now()
    url = f"/api/v1/claims/{draft.pk}/"
    assert api.get(f"{url}?{at(drafted)}").status_code == 404
    assert get(api, f"{url}?{at(published)}").json()["text"] == "A draft nobody has reviewed."


def test_a_draft_is_absent_for_curators_too(curator_api):
    """as_of shows what readers saw: a curator asking for a moment gets the same answer."""
    draft = new_claim(text="A draft only curators see now.")
    now = timezone.now()
    assert curator_api.get(f"/api/v1/claims/{draft.pk}/?{at(now)}").status_code == 404


def test_filters_and_search_answer_as_of_the_moment(api):
    before = timezone.now()
    services.claim_update(
        claim=claim(),
        data={"status": "disputed", "text": "Zanzibarian trade is at lows."},
        rationale="Customs figures say otherwise.",
    )
    after = timezone.now()
    disputed = "/api/v1/claims/?status=disputed&page_size=1000"
    then = {item["slug"] for item in get(api, f"{disputed}&{at(before)}").json()["results"]}
    now = {item["slug"] for item in get(api, f"{disputed}&{at(after)}").json()["results"]}
    assert SLUG not in then
    assert SLUG in now
    search = "/api/v1/claims/?q=zanzibarian"
    assert get(api, f"{search}&{at(before)}").json()["count"] == 0
    assert [item["slug"] for item in get(api, f"{search}&{at(after)}").json()["results"]] == [SLUG]
    events = "/api/v1/events/?q=zanzibarian"
    assert get(api, f"{events}&{at(before)}").json()["count"] == 0


def test_embeds_answer_as_of_the_moment(api):
    event = claim().events.get()
    old_text = claim().text
    before = timezone.now()
    services.claim_update(claim=claim(), data={"text": "Trade is at record lows."})
    url = f"/api/v1/events/{event.pk}/"
    embedded = {
        item["slug"]: item["text"] for item in get(api, f"{url}?{at(before)}").json()["claims"]
    }
    assert embedded[SLUG] == old_text
    embedded = {item["slug"]: item["text"] for item in get(api, url).json()["claims"]}
    assert embedded[SLUG] == "Trade is at record lows."


def test_links_answer_as_of_the_moment(api):
    """A claim detached from its event later is still in the event's embed as of before."""
    event = claim().events.get()
    before = timezone.now()
    services.claim_update(claim=claim(), data={"events": []})
    url = f"/api/v1/events/{event.pk}/"
    assert SLUG in {item["slug"] for item in get(api, f"{url}?{at(before)}").json()["claims"]}
    assert SLUG not in {item["slug"] for item in get(api, url).json()["claims"]}
    claimed = get(api, f"/api/v1/claims/{claim().pk}/?{at(before)}").json()
    assert claimed["events"] == [event.slug]


def test_stats_answer_as_of_the_moment(api):
    before = timezone.now()
    publish(new_claim(text="A claim made later.", events=[claim().events.get()]))
    source = claim().source.slug

    def claims_of_source(url):
        return {row["source"]: row["claims"] for row in get(api, url).json()}[source]

    url = "/api/v1/stats/sources/?limit=100"
    assert claims_of_source(url) == claims_of_source(f"{url}&{at(before)}") + 1

    def claims_in_2020(url):
        return {row["period"]: row["claims"] for row in get(api, url).json()}["2020"]

    url = "/api/v1/stats/timeline/?bucket=year"
    assert claims_in_2020(url) == claims_in_2020(f"{url}&{at(before)}") + 1


def test_csv_answers_as_of_the_moment(api):
    old_text = claim().text
    before = timezone.now()
    services.claim_update(claim=claim(), data={"text": "Trade is at record lows."})
    response = get(api, f"/api/v1/claims/?format=csv&{at(before)}")
    assert response["Memento-Datetime"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["slug"]: row["text"] for row in rows}[SLUG] == old_text
    assert len(rows) == Claim.objects.count()


def test_every_record_kind_as_of_before_an_edit(api):
    actor, source, event = Actor.objects.first(), Source.objects.first(), Event.objects.first()
    old = {"actors": actor.name, "sources": source.title, "events": event.title}
    before = timezone.now()
    services.actor_update(actor=actor, data={"name": "Someone else"})
    services.source_update(source=source, data={"title": "Another title"})
    services.event_update(event=event, data={"title": "Another event"})
    for kind, record, field in (
        ("actors", actor, "name"),
        ("sources", source, "title"),
        ("events", event, "title"),
    ):
        assert get(api, f"/api/v1/{kind}/{record.pk}/?{at(before)}").json()[field] == old[kind]


def test_an_answer_says_its_moment_and_is_the_same_twice(api, settings):
    settings.AS_OF_SETTLED = 0
    url = "/api/v1/events/?as_of=2024-05-01T12:00:00Z"
    first = get(api, url)
    as_of.forget_all()  # built again from history: the same answer
    second = get(api, url, HTTP_CACHE_CONTROL="no-cache")
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]
    assert first["Memento-Datetime"] == "Wed, 01 May 2024 12:00:00 GMT"
    assert first["Cache-Control"] == "public, max-age=31536000, immutable"
    assert first["Link"] == '<http://testserver/api/v1/events/>; rel="original"'
    assert first.json()["as_of"] == "2024-05-01T12:00:00Z"
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_a_recent_moment_is_not_cached_forever(api):
    response = get(api, f"/api/v1/events/?{at(timezone.now())}")
    assert "immutable" not in response["Cache-Control"]
    assert "as_of" not in get(api, "/api/v1/events/").json()


def test_a_later_write_does_not_change_a_past_answer(api):
    before = timezone.now()
    first = get(api, f"/api/v1/claims/?{at(before)}").content
    services.claim_update(claim=claim(), data={"text": "Trade is at record lows."})
    publish(new_claim())
    assert get(api, f"/api/v1/claims/?{at(before)}").content == first


def test_a_repeat_read_reuses_the_snapshot(api, django_assert_max_num_queries):
    url = f"/api/v1/events/?{at(timezone.now())}"
    get(api, url)
    # Where history stood (one query per kind of record), the version, the page and its embeds.
    with django_assert_max_num_queries(12):
        get(api, url, HTTP_CACHE_CONTROL="no-cache")


@pytest.mark.parametrize(
    "value, message",
    [
        ("yesterday", "Enter a date"),
        ("2024-13-01", "'2024-13-01' is not a real moment (month must be in 1..12)."),
        ("2024-05-01T12:00:00", "offset"),
        ("2999-01-01", "still to come"),
        ("2024-05-01T25:00:00Z", "is not a real moment (hour must be in 0..23)"),
        ("2024-05-01T12:00:00+2", "Enter a date"),
    ],
)
def test_a_bad_moment_is_a_400_naming_as_of(api, value, message):
    response = api.get(f"/api/v1/events/?as_of={quote(value)}")
    assert response.status_code == 400
    (error,) = response.json()["errors"]["as_of"]
    assert message in error


def test_today_is_still_to_come(api):
    today = timezone.now().astimezone(datetime.UTC).date().isoformat()
    response = api.get(f"/api/v1/stats/timeline/?as_of={today}")
    assert response.status_code == 400
    assert "still to come" in response.json()["errors"]["as_of"][0]


def test_an_unencoded_plus_in_the_offset_is_read_as_one(api):
    response = get(api, "/api/v1/actors/?as_of=2024-05-01T14:00:00+02:00")
    assert response["Memento-Datetime"] == "Wed, 01 May 2024 12:00:00 GMT"


def test_history_and_writes_take_no_as_of(api, curator_api):
    url = f"/api/v1/claims/{claim().pk}/"
    response = api.get(f"{url}history/?as_of=2024-05-01")
    assert response.status_code == 400
    assert "Unknown parameter" in response.json()["errors"]["as_of"][0]
    etag = get(curator_api, url)["ETag"]
    response = curator_api.patch(
        f"{url}?as_of=2024-05-01", {"notes": "x"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 400
    assert "Only reads take as_of" in response.json()["errors"]["as_of"][0]
    assert claim().notes != "x"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/events/?format=geojson",
        "/api/v1/events/?format=ics",
        "/api/v1/events/?format=timelinejs",
        "/api/v1/claims/?format=jsonld",
        "/api/v1/claims/?format=annotations",
        "/api/v1/events/?format=csv",
        "/api/v1/stats/claims/?format=csv",
    ],
)
def test_every_format_answers_as_of_the_moment(api, url):
    old_text = claim().text
    before = timezone.now()
    services.claim_update(claim=claim(), data={"text": "Zanzibarian trade is at lows."})
    response = get(api, f"{url}&{at(before)}")
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode()
    assert response["Memento-Datetime"]
    assert "Zanzibarian" not in content
    if url.startswith("/api/v1/claims/"):
        assert json.dumps(old_text)[1:-1] in content or old_text in content
    now = get(api, url)
    now_content = (b"".join(now.streaming_content) if now.streaming else now.content).decode()
    if url.startswith("/api/v1/claims/"):
        assert "Zanzibarian" in now_content


def test_a_source_detail_and_its_annotations_as_of_the_moment(api):
    source = claim().source
    before = timezone.now()
    services.claim_update(claim=claim(), data={"text": "Zanzibarian trade is at lows."})
    detail = get(api, f"/api/v1/sources/{source.pk}/?{at(before)}").json()
    assert "Zanzibarian" not in json.dumps(detail)
    annotations = get(api, f"/api/v1/sources/{source.pk}/?format=annotations&{at(before)}")
    assert "Zanzibarian" not in annotations.content.decode()
    assert (
        "Zanzibarian"
        in get(api, f"/api/v1/sources/{source.pk}/?format=annotations").content.decode()
    )


def test_an_evicted_snapshot_leaves_no_file(api, settings):
    settings.AS_OF_SNAPSHOTS = 1
    get(api, "/api/v1/actors/?as_of=2024-01-01")
    get(api, "/api/v1/actors/?as_of=2024-01-02")
    get(api, "/api/v1/actors/?as_of=2024-01-03")
    files = sorted(name for name in os.listdir(as_of._store.where()) if name != "template.sqlite3")
    assert len(files) == 1


def test_the_browsable_api_as_of_a_moment(api):
    before = timezone.now()
    services.claim_update(claim=claim(), data={"text": "Zanzibarian trade is at lows."})
    response = get(api, f"/api/v1/claims/{claim().pk}/?format=api&{at(before)}")
    assert "Zanzibarian" not in response.content.decode()
    assert response["Memento-Datetime"]


def test_a_head_request_as_of_a_moment(api):
    response = api.head("/api/v1/events/?format=csv&as_of=2024-05-01")
    assert response.status_code == 200
    assert response["Memento-Datetime"] == "Wed, 01 May 2024 23:59:59 GMT"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/events/?page_size=200",
        "/api/v1/claims/?page_size=200",
        "/api/v1/actors/?page_size=200",
        "/api/v1/sources/?page_size=200",
        "/api/v1/events/?q=trade&ordering=-date",
        "/api/v1/claims/?q=sanctions&status=disputed",
        "/api/v1/stats/timeline/?bucket=month",
        "/api/v1/stats/actors/?limit=100",
        "/api/v1/stats/sources/?by=publisher",
        "/api/v1/stats/claims/?by=status",
        "/api/v1/events/?format=geojson",
        "/api/v1/claims/?format=csv",
    ],
)
def test_as_of_now_is_the_record_now(api, url):
    """Built from history alone, the record as of a moment after its last change is the
    record: every field, link, embed and count."""
    now = timezone.now()

    def content(response):
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if response["Content-Type"] != "application/json":
            return body
        parsed = json.loads(body)
        if isinstance(parsed, dict):
            parsed.pop("as_of", None)
        return parsed

    assert content(get(api, f"{url}&{at(now)}")) == content(get(api, url))


@pytest.mark.parametrize("kind", ["events", "claims", "actors", "sources"])
def test_every_detail_as_of_now_is_the_detail_now(api, kind):
    now = timezone.now()
    model = {"events": Event, "claims": Claim, "actors": Actor, "sources": Source}[kind]
    for pk in model.objects.order_by("pk").values_list("pk", flat=True)[:40]:
        url = f"/api/v1/{kind}/{pk}/"
        assert get(api, f"{url}?{at(now)}").json() == get(api, url).json(), url


def test_a_retracted_record_is_shown_and_one_in_review_is_not(api):
    retracted = publish(new_claim(text="A claim retracted later."))
    published = timezone.now()
    services.transition(record=retracted, to="retracted", rationale="The quote was misread.")
    in_review = new_claim(text="A claim waiting for review.")
    services.transition(record=in_review, to="in_review")
    now = timezone.now()
    assert get(api, f"/api/v1/claims/{retracted.pk}/?{at(published)}").status_code == 200
    shown = get(api, f"/api/v1/claims/{retracted.pk}/?{at(now)}").json()
    assert (shown["state"], shown["state_rationale"]) == ("retracted", "The quote was misread.")
    assert get(api, f"/api/v1/claims/{retracted.pk}/?{at(published)}").json()["state"] == (
        "published"
    )
    assert api.get(f"/api/v1/claims/{in_review.pk}/?{at(now)}").status_code == 404


def test_a_signed_in_copy_is_private_forever(curator_api, settings):
    settings.AS_OF_SETTLED = 0
    response = get(curator_api, "/api/v1/events/?as_of=2024-05-01")
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    assert "Cookie" in response["Vary"]
