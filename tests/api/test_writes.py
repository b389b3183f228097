"""Writes over the API: create, replace, update and delete each kind of record; bad input is a
400 naming the field, and a failed write leaves the database exactly as it was."""

import pytest
from django.db.models import Count, Model

from tracker import quotes
from tracker.models import (
    Actor,
    Claim,
    ClaimRelation,
    Event,
    EventActor,
    Source,
    Tag,
)

pytestmark = pytest.mark.django_db

TEXT = (
    'VOSTOCHNY, September 13. Kim Jong-un said: "Russia has risen to a sacred fight."\n\n'
    "Putin said the sides would discuss \u201call issues\u201d of cooperation."
)


def dump() -> dict:
    """Every row of the record and of its history: what "unchanged" is compared with."""
    models: list[type[Model]] = [Actor, Source, Event, EventActor, Claim, ClaimRelation, Tag]
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in models}
    rows["claim_events"] = list(Claim.events.through.objects.order_by("pk").values())
    for model in (Actor, Source, Event, Claim):
        rows[f"history-{model.__name__}"] = model.history.count()
    return rows


def detail(client, kind: str, pk: int):
    response = client.get(f"/api/v1/{kind}/{pk}/")
    assert response.status_code == 200
    return response


def write(client, method: str, url: str, body=None, etag: str | None = None):
    headers = {"HTTP_IF_MATCH": etag} if etag else {}
    return getattr(client, method)(url, body, format="json", **headers)


def test_create_an_actor(curator_api):
    body = {
        "name": "Choe Son Hui",
        "kind": "person",
        "title": "Foreign Minister of North Korea",
        "affiliation": "north-korea",
        "aliases": ["Choe Son-hui"],
    }
    response = write(curator_api, "post", "/api/v1/actors/", body)
    assert response.status_code == 201
    created = response.json()
    assert {key: created[key] for key in ["slug", "name", "kind", "title", "aliases"]} == {
        "slug": "choe-son-hui",
        "name": "Choe Son Hui",
        "kind": "person",
        "title": "Foreign Minister of North Korea",
        "aliases": ["Choe Son-hui"],
    }
    assert created["affiliation"]["slug"] == "north-korea"
    again = detail(curator_api, "actors", created["id"])
    assert again.json() == created
    assert response["ETag"] == again["ETag"]
    assert response["Location"] == created["url"]


def test_create_a_source_keeps_the_text_exactly(curator_api):
    body = {
        "title": "Kim and Putin meet at Vostochny",
        "slug": "vostochny-2023",
        "publisher": "tass",
        "published": "2023-09-13",
        "document_url": "https://example.org/vostochny",
        "text": "  " + TEXT + "\n",
        "notes": "Made up for a test.",
    }
    response = write(curator_api, "post", "/api/v1/sources/", body)
    assert response.status_code == 201
    created = response.json()
    assert created["text"] == "  " + TEXT + "\n"
    assert (created["slug"], created["document_url"], created["publisher"]["slug"]) == (
        "vostochny-2023",
        "https://example.org/vostochny",
        "tass",
    )
    assert (created["published_start"], created["published_precision"]) == ("2023-09-13", "day")
    assert created["claims"] == []


def test_create_an_event_with_participants_by_slug_and_id(curator_api):
    putin = Actor.objects.get(slug="vladimir-putin")
    body = {
        "title": "Vostochny summit",
        "date": "2023-09~",
        "location": "Vostochny Cosmodrome",
        "actors": ["kim-jong-un", {"actor": putin.pk, "role": "host"}],
        "tags": ["summit", "space-2023"],
    }
    response = write(curator_api, "post", "/api/v1/events/", body)
    assert response.status_code == 201
    created = response.json()
    assert [(actor["slug"], actor["role"]) for actor in created["actors"]] == [
        ("kim-jong-un", "participant"),
        ("vladimir-putin", "host"),
    ]
    assert created["tags"] == ["space-2023", "summit"]
    assert (created["date_start"], created["date_end"], created["date_precision"]) == (
        "2023-09-01",
        "2023-09-30",
        "month",
    )
    assert Tag.objects.get(slug="space-2023").name == "space-2023"


def test_create_a_claim_locates_its_quote(curator_api):
    source = Source.objects.get(slug="tass-2020-02-07-matsegora-interview")
    other = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    quote = "That is why, we are still losing here to Chinese partners."
    body = {
        "text": "Russia is losing to Chinese partners in trade with the North.",
        "quote": quote,
        "claimant": "alexander-matsegora",
        "source": source.pk,
        "stated": "2020-02-07",
        "status": "corroborated",
        "events": ["matsegora-tass-interview-2020"],
        "relations": [{"type": "supports", "claim": other.slug}],
    }
    response = write(curator_api, "post", "/api/v1/claims/", body)
    assert response.status_code == 201
    created = response.json()
    assert source.text[created["quote_start"] : created["quote_end"]] == quote
    assert created["slug"] == "alexander-matsegora-russia-is-losing-to-chinese-partners-in"
    assert created["events"] == ["matsegora-tass-interview-2020"]
    assert created["relations"] == [
        {"type": "supports", "claim": other.pk, "direction": "outgoing"}
    ]
    assert created["status"] == "corroborated"
    # The relation shows from the other side too.
    incoming = detail(curator_api, "claims", other.pk).json()["relations"]
    assert {"type": "supports", "claim": created["id"], "direction": "incoming"} in incoming


def test_replace_resets_what_is_left_out(curator_api):
    actor = Actor.objects.get(slug="alexander-matsegora")
    etag = detail(curator_api, "actors", actor.pk)["ETag"]
    body = {"name": "Alexander Matsegora", "kind": "person"}
    response = write(curator_api, "put", f"/api/v1/actors/{actor.pk}/", body, etag)
    assert response.status_code == 200
    replaced = response.json()
    assert (replaced["slug"], replaced["title"], replaced["affiliation"], replaced["aliases"]) == (
        "alexander-matsegora",
        "",
        None,
        [],
    )
    assert response["ETag"] == detail(curator_api, "actors", actor.pk)["ETag"] != etag


def test_replace_needs_every_required_field(curator_api):
    event = Event.objects.get(slug="vladivostok-summit-2019")
    etag = detail(curator_api, "events", event.pk)["ETag"]
    before = dump()
    response = write(curator_api, "put", f"/api/v1/events/{event.pk}/", {"title": "x"}, etag)
    assert response.status_code == 400
    assert response.json()["errors"] == {"date": ["This field is required."]}
    assert dump() == before


@pytest.mark.parametrize(
    ("kind", "slug", "body", "expect"),
    [
        ("actors", "ri-son-gwon", {"title": "Foreign Minister"}, {"title": "Foreign Minister"}),
        (
            "sources",
            "russia-doubled-trade-2017",
            {"publisher": "reuters", "notes": "Publisher guessed."},
            {"notes": "Publisher guessed."},
        ),
        (
            "events",
            "vladivostok-summit-2019",
            {"location": "Russky Island, Vladivostok", "tags": ["summit"]},
            {"location": "Russky Island, Vladivostok", "tags": ["summit"]},
        ),
        (
            "claims",
            "matsegora-trade-at-lows-2020",
            {"status": "disputed", "rationale": "Other sources say otherwise."},
            {"status": "disputed", "quote_start": None},
        ),
    ],
)
def test_update_changes_only_what_is_given(curator_api, kind, slug, body, expect):
    model = {"actors": Actor, "sources": Source, "events": Event, "claims": Claim}[kind]
    pk = model.objects.get(slug=slug).pk
    before = detail(curator_api, kind, pk)
    response = write(curator_api, "patch", f"/api/v1/{kind}/{pk}/", body, before["ETag"])
    assert response.status_code == 200
    after = response.json()
    expected = {**before.json(), **expect}
    if "quote_start" in expect:  # unchanged quote: same offsets
        expected["quote_start"] = before.json()["quote_start"]
    if kind == "sources":
        expected["publisher"] = after["publisher"]
        assert after["publisher"]["slug"] == "reuters"
    assert after == expected
    assert detail(curator_api, kind, pk).json() == after


def test_update_a_claim_quote_moves_its_offsets(curator_api):
    claim = Claim.objects.get(slug="matsegora-losing-to-china-2020")
    etag = detail(curator_api, "claims", claim.pk)["ETag"]
    quote = "we are still losing here"
    response = write(curator_api, "patch", f"/api/v1/claims/{claim.pk}/", {"quote": quote}, etag)
    assert response.status_code == 200
    body = response.json()
    assert claim.source.text[body["quote_start"] : body["quote_end"]] == quote


def test_a_new_text_moves_the_quotes_marked_in_it(curator_api):
    source = Source.objects.get(slug="tass-2020-02-07-matsegora-interview")
    etag = detail(curator_api, "sources", source.pk)["ETag"]
    new_text = "PREFACE ADDED LATER.\n" + source.text
    response = write(
        curator_api, "patch", f"/api/v1/sources/{source.pk}/", {"text": new_text}, etag
    )
    assert response.status_code == 200
    claims = response.json()["claims"]
    assert len(claims) == 19
    for claim in claims:
        excerpt = new_text[claim["quote_start"] : claim["quote_end"]]
        assert quotes.fold(excerpt) == quotes.fold(claim["quote"]), claim["slug"]
    stored = Claim.objects.get(pk=claims[0]["id"])
    assert (stored.quote_start, stored.quote_end) == (
        claims[0]["quote_start"],
        claims[0]["quote_end"],
    )


@pytest.mark.parametrize("kind", ["claims", "events"])
def test_delete(curator_api, kind):
    model = {"events": Event, "claims": Claim}[kind]
    record = model.objects.get(slug={"claims": "matsegora-losing-to-china-2020",
                                     "events": "vladivostok-summit-2019"}[kind])  # fmt: skip
    etag = detail(curator_api, kind, record.pk)["ETag"]
    response = write(curator_api, "delete", f"/api/v1/{kind}/{record.pk}/", etag=etag)
    assert response.status_code == 204
    assert response.content == b""
    assert curator_api.get(f"/api/v1/{kind}/{record.pk}/").status_code == 404
    assert not model.objects.filter(pk=record.pk).exists()


def test_delete_an_actor_and_a_source_nothing_refers_to(curator_api):
    actor = write(curator_api, "post", "/api/v1/actors/", {"name": "Nobody", "kind": "person"})
    source = write(
        curator_api,
        "post",
        "/api/v1/sources/",
        {"title": "Empty", "published": "2020", "text": "Nothing."},
    )
    for response in [actor, source]:
        url = response.json()["url"]
        deleted = write(curator_api, "delete", url, etag=response["ETag"])
        assert deleted.status_code == 204
        assert curator_api.get(url).status_code == 404


@pytest.mark.parametrize(
    ("kind", "slug", "detail_text"),
    [
        ("actors", "alexander-matsegora", "This actor cannot be deleted: 26 claims refer to it."),
        (
            "actors",
            "tass",
            "This actor cannot be deleted: 8 claims and 2 sources refer to it.",
        ),
        (
            "sources",
            "tass-2020-02-07-matsegora-interview",
            "This source cannot be deleted: 19 claims refer to it.",
        ),
    ],
)
def test_deleting_what_claims_or_sources_refer_to_is_a_409(curator_api, kind, slug, detail_text):
    model = {"actors": Actor, "sources": Source}[kind]
    pk = model.objects.get(slug=slug).pk
    etag = detail(curator_api, kind, pk)["ETag"]
    before = dump()
    response = write(curator_api, "delete", f"/api/v1/{kind}/{pk}/", etag=etag)
    assert response.status_code == 409
    assert response.json() == {
        "status": 409,
        "code": "protected",
        "detail": detail_text,
        "errors": {},
    }
    assert dump() == before


def _claim_body(**changes):
    body = {
        "text": "Trade fell.",
        "quote": "That is why, we are still losing here to Chinese partners.",
        "claimant": "alexander-matsegora",
        "source": "tass-2020-02-07-matsegora-interview",
        "stated": "2020-02-07",
    }
    return {**body, **changes}


SEED_SOURCE = "tass-2020-02-07-matsegora-interview"
NOT_IN_TEXT = (
    "This quote does not appear in the text of the source 'Russia is second to China in economic "
    "cooperation with North Korea, ambassador says'. "
    "Copy it verbatim from the text (only whitespace and the style of quotation marks may differ)."
)


@pytest.mark.parametrize(
    ("kind", "body", "errors"),
    [
        (
            "claims",
            _claim_body(quote="Trade with North Korea is booming."),
            {"quote": [NOT_IN_TEXT]},
        ),
        (
            "claims",
            _claim_body(stated="2020-02-30"),
            {
                "stated": [
                    "'2020-02-30' is not a valid EDTF date (expected e.g. 2019-04-25, "
                    "2020-01, 2022, 2022-07~ or 2017?)."
                ]
            },
        ),  # fmt: skip
        (
            "claims",
            _claim_body(claimant="nobody-at-all"),
            {"claimant": ["No actor has the slug 'nobody-at-all'."]},
        ),
        ("claims", _claim_body(source=999999), {"source": ["No source has the id 999999."]}),
        (
            "claims",
            _claim_body(events=["vladivostok-summit-2019", "never-happened"]),
            {"events": ["No event has the slug 'never-happened'."]},
        ),
        (
            "claims",
            _claim_body(relations=[{"type": "agrees", "claim": "matsegora-trade-at-lows-2020"}]),
            {"relations[0].type": ['"agrees" is not a valid choice.']},
        ),
        (
            "claims",
            _claim_body(slug="matsegora-trade-at-lows-2020"),
            {"slug": ["Claim with this Slug already exists."]},
        ),
        (
            "claims",
            _claim_body(claimant=["alexander-matsegora"]),
            {"claimant": ["Expected a slug (string) or an id (integer), got list."]},
        ),
        ("claims", _claim_body(status="true"), {"status": ['"true" is not a valid choice.']}),
        (
            "events",
            {"title": "Someday", "date": "sometime in 2022"},
            {
                "date": [
                    "'sometime in 2022' is not a valid EDTF date (expected e.g. 2019-04-25, "
                    "2020-01, 2022, 2022-07~ or 2017?)."
                ]
            },
        ),  # fmt: skip
        (
            "events",
            {"title": "Twice", "date": "2022", "actors": ["kim-jong-un", "kim-jong-un"]},
            {"actors": ["'kim-jong-un' is listed twice as participant."]},
        ),
        (
            "events",
            {"title": "Nobody", "date": "2022", "actors": [{"actor": "nobody", "role": "host"}]},
            {"actors[0].actor": ["No actor has the slug 'nobody'."]},
        ),
        (
            "events",
            {"title": "Dup", "date": "2022", "slug": "vladivostok-summit-2019"},
            {"slug": ["Event with this Slug already exists."]},
        ),
        (
            "sources",
            {"title": "Bad", "published": "2022-13", "text": "x"},
            {
                "published": [
                    "'2022-13' is not a valid EDTF date (expected e.g. 2019-04-25, "
                    "2020-01, 2022, 2022-07~ or 2017?)."
                ]
            },
        ),  # fmt: skip
        (
            "sources",
            {"title": "Bad", "published": "2022", "text": "x", "document_url": "not a url"},
            {"document_url": ["Enter a valid URL."]},
        ),
        (
            "sources",
            {"title": "Bad", "published": "2022", "text": "x", "publisher": "nobody"},
            {"publisher": ["No actor has the slug 'nobody'."]},
        ),
        ("actors", {"name": "X", "kind": "alien"}, {"kind": ['"alien" is not a valid choice.']}),
        (
            "actors",
            {"name": "X", "kind": "person", "aliases": "X"},
            {"aliases": ['Expected a list of items but got type "str".']},
        ),
        (
            "actors",
            {"name": "Russia", "kind": "state", "slug": "russia"},
            {"slug": ["Actor with this Slug already exists."]},
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(curator_api, kind, body, errors):
    before = dump()
    response = write(curator_api, "post", f"/api/v1/{kind}/", body)
    assert response.status_code == 400, response.json()
    assert response.json() == {
        "status": 400,
        "code": "invalid",
        "detail": "Invalid input.",
        "errors": errors,
    }
    assert dump() == before


def test_a_relation_to_itself_is_refused_and_rolls_back(curator_api):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    etag = detail(curator_api, "claims", claim.pk)["ETag"]
    before = dump()
    body = {
        "status": "refuted",
        "rationale": "Contradicted by the record.",
        "relations": [{"type": "supports", "claim": claim.pk}],
    }
    response = write(curator_api, "patch", f"/api/v1/claims/{claim.pk}/", body, etag)
    assert response.status_code == 400
    assert response.json()["errors"] == {"relations": ["A claim cannot relate to itself."]}
    assert dump() == before  # the status set before the relations were checked is undone


def test_changing_a_text_that_orphans_quotes_is_refused(curator_api):
    source = Source.objects.get(slug=SEED_SOURCE)
    etag = detail(curator_api, "sources", source.pk)["ETag"]
    before = dump()
    response = write(
        curator_api, "patch", f"/api/v1/sources/{source.pk}/", {"text": "Nothing left."}, etag
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["text"]
    assert response.json()["errors"]["text"][0].startswith(
        "The new text no longer contains the quotes of: "
    )
    assert dump() == before


def test_writes_answer_in_the_read_representation(curator_api):
    """A write's body is exactly what a GET of the record then returns (the v1 contract)."""
    response = write(curator_api, "post", "/api/v1/claims/", _claim_body())
    assert response.status_code == 201
    assert detail(curator_api, "claims", response.json()["id"]).json() == response.json()
    assert set(response.json()) == {
        "id", "url", "slug", "kind", "text", "quote", "quote_start", "quote_end", "claimant",
        "source", "stated", "stated_start", "stated_end", "stated_precision", "status", "notes",
        "state", "state_rationale", "events", "relations",
    }  # fmt: skip


def test_a_new_text_is_indexed_once_whatever_the_number_of_claims(curator_api, monkeypatch):
    """Issue 19: each claim folded the whole text again (2 s for 8 claims at 950 KB)."""
    source = Source.objects.annotate(n=Count("claims")).order_by("-n").first()
    assert source.n >= 3
    built = []
    original = quotes.Locator.__init__
    monkeypatch.setattr(
        quotes.Locator, "__init__", lambda self, text: built.append(1) or original(self, text)
    )
    url = f"/api/v1/sources/{source.pk}/"
    etag = curator_api.get(url)["ETag"]
    response = curator_api.patch(
        url, {"text": "Preface.\n\n" + source.text}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.json()
    assert len(built) == 1  # validation and the new offsets share one index of the text
    for claim in response.json()["claims"]:
        if claim["quote"]:
            assert claim["quote_start"] >= len("Preface.\n\n")
