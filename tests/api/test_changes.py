"""The change feed, /api/v1/changes/: every write, in order, resumable, as each user may see it."""

from __future__ import annotations

import base64
from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from tests.records import listed
from tracker import services
from tracker.models import Actor, Change, Claim, Event, Source
from tracker.visibility import READER_STATES, visible

pytestmark = pytest.mark.django_db

URL = "/api/v1/changes/"
MODELS = {"actor": Actor, "source": Source, "event": Event, "claim": Claim}


def read_feed(client, url=URL):
    """Every change from ``url`` on, following ``next`` while ``more``; and the last ``next``."""
    changes, pages = [], 0
    while True:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        changes += body["results"]
        url, pages = body["next"], pages + 1
        assert pages < 1000
        if not body["more"]:
            return changes, url


def replay(changes, *, reader: bool):
    """A copy of the record as a client keeps it from the feed: (kind, id) -> slug."""
    copy = {}
    for change in changes:
        key = (change["kind"], change["id"])
        shown = change["state"] in READER_STATES if reader else change["type"] != "deleted"
        if change["type"] == "deleted" or not shown:
            copy.pop(key, None)
        else:
            copy[key] = change["slug"]
    return {(kind, slug) for (kind, _), slug in copy.items()}


def visible_to(user):
    return {
        (kind, slug)
        for kind, model in MODELS.items()
        for slug in visible(model.objects.all(), user).values_list("slug", flat=True)
    }


def set_state(record, state, by=None):
    """Move ``record`` to ``state`` through the workflow's transitions (as a script: trusted)."""
    walks = {
        ("draft", "published"): ["in_review", "published"],
        ("draft", "in_review"): ["in_review"],
        ("in_review", "published"): ["published"],
        ("published", "retracted"): ["retracted"],
        ("retracted", "in_review"): ["in_review"],
    }
    for step in walks[(record.state, state)]:
        record = services.transition(record=record, to=step, rationale="test", by=by)
    return record


@pytest.fixture
def edits(curator):
    """A mix of writes: drafts, edits of published records, state changes in and out of public
    view, a slug changed, deletions of a public and of a draft record."""
    draft = services.actor_create(name="Draft Person", kind="person", by=curator)
    published = set_state(
        services.actor_create(name="Soon Public", kind="person", by=curator), "published"
    )
    services.actor_update(actor=published, data={"title": "Envoy"}, by=curator)
    gone = set_state(services.actor_create(name="Gone Public", kind="state"), "published")
    services.actor_delete(actor=gone, by=curator)
    services.actor_delete(actor=services.actor_create(name="Never Public", kind="state"))
    event = Event.objects.get(slug="vladivostok-summit-2019")
    services.event_update(event=event, data={"slug": "vladivostok-summit-april-2019"})
    retracted = set_state(Claim.objects.get(slug="matsegora-trade-at-lows-2020"), "retracted")
    back_in_review = set_state(Claim.objects.get(slug="tass-matsegora-interview-2020"), "retracted")
    set_state(back_in_review, "in_review")
    return {"draft": draft, "published": published, "retracted": retracted}


def test_a_replay_from_the_start_rebuilds_what_a_reader_lists(api, edits):
    changes, _ = read_feed(api)
    rebuilt = replay(changes, reader=True)
    assert rebuilt == visible_to(AnonymousUser())
    assert ("actor", "draft-person") not in rebuilt
    assert ("actor", "soon-public") in rebuilt
    assert ("event", "vladivostok-summit-april-2019") in rebuilt
    assert ("claim", "matsegora-trade-at-lows-2020") in rebuilt  # retracted: still shown
    assert ("claim", "tass-matsegora-interview-2020") not in rebuilt  # back in review
    assert all({c["state"], c["state_before"]} & set(READER_STATES) for c in changes)
    assert "never-public" not in {change["slug"] for change in changes}


def test_a_replay_from_the_start_rebuilds_what_the_api_lists_for_a_reader(api, edits):
    changes, _ = read_feed(api)
    assert replay(changes, reader=True) == listed(api)


def test_a_curator_replays_every_record(curator_api, edits):
    changes, _ = read_feed(curator_api)
    rebuilt = replay(changes, reader=False)
    everything = {(kind, slug) for kind, model in MODELS.items() for slug in model.objects.values_list("slug", flat=True)}  # fmt: skip
    assert rebuilt == everything == listed(curator_api)
    assert "never-public" in {change["slug"] for change in changes}


def test_each_write_is_one_change_with_the_record_version_and_states(curator_api, curator):
    start = Change.objects.order_by("-id").first().id
    actor = services.actor_create(name="Ada Envoy", kind="person", by=curator)
    pk = actor.pk
    services.actor_update(actor=actor, data={"title": "Envoy"}, by=curator)
    set_state(actor, "in_review", by=curator)
    set_state(actor, "published")  # a script: trusted to publish
    services.actor_delete(actor=actor, by=curator)
    after = base64.urlsafe_b64encode(f"change:{start}".encode()).decode().rstrip("=")
    changes, _ = read_feed(curator_api, f"{URL}?since={after}")
    assert [
        (c["kind"], c["id"], c["slug"], c["version"], c["type"], c["state_before"], c["state"])
        for c in changes
    ] == [
        ("actor", pk, "ada-envoy", 1, "created", None, "draft"),
        ("actor", pk, "ada-envoy", 2, "updated", "draft", "draft"),
        ("actor", pk, "ada-envoy", 3, "state", "draft", "in_review"),
        ("actor", pk, "ada-envoy", 4, "state", "in_review", "published"),
        ("actor", pk, "ada-envoy", 5, "deleted", "published", None),
    ]
    assert changes[0]["url"] == f"http://testserver/api/v1/actors/{pk}/"
    times = [change["time"] for change in changes]
    assert times == sorted(times)


def test_a_batch_is_one_change_per_record_it_touched(curator):
    start = Change.objects.order_by("-id").first().id
    with services.batch(by=curator, reason="import"):
        first = services.actor_create(name="Batch One", kind="person")
        second = services.actor_create(name="Batch Two", kind="person")
        services.actor_update(actor=first, data={"title": "Twice written"})
    rows = Change.objects.filter(id__gt=start).order_by("id")
    assert [(row.slug, row.type, row.version) for row in rows] == [
        ("batch-one", "created", 1),
        ("batch-two", "created", 1),
    ]
    assert second.pk in {row.record_id for row in rows}


def test_a_write_that_fails_leaves_no_change(curator_api):
    count = Change.objects.count()
    response = curator_api.post("/api/v1/actors/", {"name": "x", "kind": "nope"}, format="json")
    assert response.status_code == 400
    assert Change.objects.count() == count


def test_writes_through_the_api_are_in_the_feed(curator_api, api):
    created = curator_api.post(
        "/api/v1/actors/", {"name": "Via Api", "kind": "person"}, format="json"
    )
    assert created.status_code == 201, created.json()
    latest = read_feed(curator_api)[0][-1]
    assert (latest["slug"], latest["type"], latest["state"]) == ("via-api", "created", "draft")
    # A draft is no reader's business.
    assert "via-api" not in {change["slug"] for change in read_feed(api)[0]}


def test_the_last_next_link_resumes_with_what_comes_later(api, curator):
    seen, resume = read_feed(api)
    again = api.get(resume).json()
    assert (again["results"], again["more"], again["next"]) == ([], False, resume)
    actor = set_state(services.actor_create(name="Later Actor", kind="person"), "published")
    later, _ = read_feed(api, resume)
    assert [(c["slug"], c["type"], c["state"]) for c in later] == [
        ("later-actor", "state", "published")
    ]
    assert later[0]["id"] == actor.pk
    assert {c["cursor"] for c in later}.isdisjoint({c["cursor"] for c in seen})


def test_pages_follow_one_another_without_gap_or_repeat(api):
    whole = api.get(f"{URL}?limit=1000").json()
    assert whole["more"] is False
    paged, _ = read_feed(api, f"{URL}?limit=7")
    assert paged == whole["results"]
    assert len(paged) == len({change["cursor"] for change in paged})


def test_an_item_cursor_resumes_after_that_item(api):
    first = api.get(f"{URL}?limit=10").json()["results"]
    rest = api.get(f"{URL}?limit=5&since={first[4]['cursor']}").json()["results"]
    assert rest == first[5:10]


def test_kind_keeps_one_kind_of_record(api):
    body = api.get(f"{URL}?kind=source&limit=1000").json()
    assert {change["kind"] for change in body["results"]} == {"source"}
    assert len(body["results"]) == Source.objects.count()
    assert "kind=source" in body["next"]


def test_limit_is_capped_quietly(api, settings):
    settings.CHANGES_MAX_PAGE_SIZE = 3
    body = api.get(f"{URL}?limit=500").json()
    assert len(body["results"]) == 3 and body["more"] is True


def cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


CURSOR_ERROR = (
    "Not a cursor of this feed: pass back the `next` link (or an item's `cursor`) as it was given."
)


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("since=nonsense", {"since": [CURSOR_ERROR]}),
        (f"since={cursor('change:x1')}", {"since": [CURSOR_ERROR]}),
        (f"since={cursor('change:-1')}", {"since": [CURSOR_ERROR]}),
        (f"since={cursor('event:12')}", {"since": [CURSOR_ERROR]}),
        ("since=%C3%A9t%C3%A9", {"since": [CURSOR_ERROR]}),
        ("limit=0", {"limit": ["Ensure this value is greater than or equal to 1."]}),
        ("limit=ten", {"limit": ["Enter a whole number."]}),
        (
            "kind=tag",
            {"kind": ["Select a valid choice. tag is not one of the available choices."]},
        ),
        (
            "page=2",
            {
                "page": [
                    "Unknown parameter: this endpoint does not take it (see the OpenAPI "
                    "document for the ones it does)."
                ]
            },
        ),
    ],
)
def test_bad_parameters_are_a_400_naming_them(api, query, errors):
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "invalid",
        "detail": "Invalid input.",
        "errors": errors,
    }


def test_a_page_costs_two_queries_for_a_reader(api, django_assert_num_queries):
    with django_assert_num_queries(2):  # the record version, the page
        response = api.get(f"{URL}?limit=500")
    assert len(response.json()["results"]) > 200


@pytest.mark.parametrize("limit", [1, 500])
def test_a_page_costs_the_same_for_a_curator_whatever_its_length(
    curator_api, django_assert_num_queries, limit
):
    # The token's lockout check and user, the record version, the user's permissions (two: the
    # user's and the groups'), the page.
    with django_assert_num_queries(6):
        response = curator_api.get(f"{URL}?limit={limit}", HTTP_CACHE_CONTROL="no-cache")
    assert len(response.json()["results"]) == min(limit, Change.objects.count())


def test_reads_are_validated_and_a_write_makes_them_fresh(api, curator):
    first = api.get(URL)
    assert first["Cache-Control"] == "public, max-age=30, must-revalidate"
    assert {"Accept", "Authorization", "Cookie"} <= {
        part.strip() for part in first["Vary"].split(",")
    }
    assert api.get(URL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    services.actor_update(actor=Actor.objects.get(slug="russia"), data={"title": "State"})
    fresh = api.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert fresh.status_code == 200 and fresh["ETag"] != first["ETag"]


def test_a_curator_and_a_reader_never_share_an_answer(api, curator_api):
    services.actor_create(name="Hidden Draft", kind="person")
    public, private = api.get(f"{URL}?kind=actor"), curator_api.get(f"{URL}?kind=actor")
    assert private["Cache-Control"] == "private, max-age=30, must-revalidate"
    assert public["ETag"] != private["ETag"]
    assert (
        curator_api.get(f"{URL}?kind=actor", HTTP_IF_NONE_MATCH=public["ETag"]).status_code == 200
    )
    assert len(private.json()["results"]) == len(public.json()["results"]) + 1


def test_the_migration_feeds_every_stored_record_once():
    Change.objects.all().delete()
    import_module("tracker.migrations.0014_changes").feed_existing_records(apps, None)
    rows = list(Change.objects.order_by("id"))
    assert {(row.kind, row.slug) for row in rows} == {
        (kind, slug) for kind, model in MODELS.items() for slug in model.objects.values_list("slug", flat=True)
    }  # fmt: skip
    assert {(row.type, row.state, row.state_before, row.version) for row in rows} == {
        ("created", "published", "", 1)
    }


def test_generated_records_are_in_the_feed(api):
    call_command("generate_data", events=6, claims_per_event=2, seed=3, batch_size=4, verbosity=0)
    changes, _ = read_feed(api, f"{URL}?limit=1000")
    rebuilt = replay(changes, reader=True)
    assert rebuilt == visible_to(AnonymousUser())
    assert {kind for kind, slug in rebuilt if slug.startswith("syn3-")} == set(MODELS)


def test_a_delete_in_the_admin_is_a_change_readers_apply(client, curator, api):
    actor = set_state(services.actor_create(name="Admin Deleted", kind="person"), "published")
    pk = actor.pk
    client.force_login(curator)
    response = client.post(f"/admin/tracker/actor/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    last = read_feed(api)[0][-1]
    assert (last["id"], last["type"], last["state_before"], last["state"]) == (
        pk,
        "deleted",
        "published",
        None,
    )


def test_a_transition_through_the_api_is_a_state_change(curator_api):
    created = curator_api.post(
        "/api/v1/actors/", {"name": "Moving Along", "kind": "person"}, format="json"
    )
    url = f"/api/v1/actors/{created.json()['id']}/"
    moved = curator_api.patch(
        url, {"state": "in_review"}, format="json", HTTP_IF_MATCH=created["ETag"]
    )
    assert moved.status_code == 200, moved.json()
    last = read_feed(curator_api)[0][-1]
    assert (last["slug"], last["version"], last["type"], last["state_before"], last["state"]) == (
        "moving-along",
        2,
        "state",
        "draft",
        "in_review",
    )


def test_loading_the_seed_record_again_adds_no_change():
    count = Change.objects.count()
    call_command("loaddata", "record", verbosity=0)
    assert Change.objects.count() == count
