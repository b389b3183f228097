"""Every filter of every list, on synthetic records dated where the seed record has nothing."""

import pytest

from tests.api.responses import slugs
from tests.factories import ActorFactory, ClaimFactory, EventFactory, SourceFactory

pytestmark = pytest.mark.django_db

ALL = "date_from=1900&date_to=1903&page_size=200"


@pytest.fixture
def early_events():
    """Events in 1901-1903 at every precision, to test windows by overlap and the order."""
    return {
        event.slug: event
        for event in [
            EventFactory(slug="e-day", title="Day", date="1902-03-15"),
            EventFactory(slug="e-month", title="Month", date="1902-03"),
            EventFactory(slug="e-year", title="Year", date="1902"),
            EventFactory(slug="e-jan-day", title="January day", date="1902-01-01"),
            EventFactory(slug="e-jan", title="January", date="1902-01~"),
            EventFactory(slug="e-span", title="Span", date="1901-11/1902-01"),
            EventFactory(slug="e-before", title="Before", date="1901-05-01"),
            EventFactory(slug="e-after", title="After", date="1903-01-01"),
        ]
    }


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ("date_from=1902-03-15&date_to=1902-03-15", {"e-day", "e-month", "e-year"}),
        ("date_from=1902-03&date_to=1902-03", {"e-day", "e-month", "e-year"}),
        ("date_from=1902-01&date_to=1902-01", {"e-year", "e-span", "e-jan", "e-jan-day"}),
        ("date_from=1901-12-31&date_to=1901-12-31", {"e-span"}),
        ("date_from=1901&date_to=1901", {"e-before", "e-span"}),
        ("date_from=1902-04&date_to=1902-12", {"e-year"}),
        ("date_from=1902-12-31&date_to=1903", {"e-year", "e-after"}),
        ("date_from=1903-01-02&date_to=1903", set()),
    ],
)
def test_events_date_window_matches_by_overlap(api, early_events, window, expected):
    assert set(slugs(api.get(f"/api/v1/events/?{window}"))) == expected


def test_an_open_window_is_bounded_on_one_side(api, early_events):
    found = set(slugs(api.get("/api/v1/events/?date_to=1901-12&page_size=200")))
    assert found == {"e-before", "e-span"}
    after = set(slugs(api.get("/api/v1/events/?date_from=1902-03-15&page_size=200")))
    assert {"e-day", "e-month", "e-year", "e-after"} <= after
    assert not after & {"e-before", "e-span", "e-jan", "e-jan-day"}


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("", ["e-before", "e-span", "e-jan-day", "e-jan", "e-year", "e-month", "e-day", "e-after"]),
        ("date", ["e-before", "e-span", "e-jan-day", "e-jan", "e-year", "e-month", "e-day", "e-after"]),
        ("-date", ["e-after", "e-day", "e-month", "e-year", "e-jan", "e-jan-day", "e-span", "e-before"]),
        ("title", ["e-after", "e-before", "e-day", "e-jan", "e-jan-day", "e-month", "e-span", "e-year"]),
        ("-title", ["e-year", "e-span", "e-month", "e-jan-day", "e-jan", "e-day", "e-before", "e-after"]),
    ],
)  # fmt: skip
def test_events_ordering(api, early_events, ordering, expected):
    assert slugs(api.get(f"/api/v1/events/?{ALL}&ordering={ordering}")) == expected


def test_events_by_precision(api, early_events):
    found = slugs(api.get(f"/api/v1/events/?{ALL}&precision=month"))
    assert found == ["e-span", "e-jan", "e-month"]


def test_events_by_actor_and_tag(api, early_events):
    actor = ActorFactory(slug="a-envoy")
    tagged = EventFactory(slug="e-tagged", date="1902-06", tags=["t-trade"], actors=[actor])
    EventFactory(slug="e-other", date="1902-06", tags=["t-other"])
    assert slugs(api.get(f"/api/v1/events/?{ALL}&actor=a-envoy")) == [tagged.slug]
    assert slugs(api.get(f"/api/v1/events/?{ALL}&tag=t-trade")) == [tagged.slug]
    assert slugs(api.get(f"/api/v1/events/?{ALL}&tag=t-trade&actor=a-envoy")) == [tagged.slug]


def test_events_by_actor_lists_each_event_once(api):
    actor = ActorFactory(slug="a-twice")
    event = EventFactory(slug="e-twice", date="1902-06", actors=[actor])
    event.participations.create(actor=actor, role="host")
    assert slugs(api.get(f"/api/v1/events/?{ALL}&actor=a-twice")) == ["e-twice"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("zanzibar", ["e-q-title"]),
        ("ZANZIBAR", ["e-q-title"]),
        ("quagga", ["e-q-summary"]),
        ("Timbuktu", ["e-q-location"]),
        ("Ozymandias", ["e-q-actor"]),
    ],
)
def test_events_text_search(api, q, expected):
    EventFactory(slug="e-q-title", title="The Zanzibar talks", date="1902")
    EventFactory(slug="e-q-summary", title="Talks", summary="About the quagga.", date="1902")
    EventFactory(slug="e-q-location", title="Meeting", location="Timbuktu, Mali", date="1902")
    speaker = ActorFactory(name="Ozymandias King")
    EventFactory(slug="e-q-actor", title="Speech", date="1902", actors=[speaker])
    assert slugs(api.get(f"/api/v1/events/?q={q}")) == expected


@pytest.fixture
def early_claims():
    envoy = ActorFactory(slug="a-envoy", name="Envoy Quimby")
    source = SourceFactory(slug="s-early", published="1902")
    event = EventFactory(slug="e-talks", date="1902-03")
    return {
        claim.slug: claim
        for claim in [
            ClaimFactory(slug="zc-1", claimant=envoy, source=source, stated="1902-03-01",
                         events=[event], status="disputed"),
            ClaimFactory(slug="zc-2", source=source, stated="1902-05", quote="Things will improve.",
                         text="Hopeful about trade."),
            ClaimFactory(slug="zc-3", claimant=envoy, stated="1903", status="refuted"),
        ]
    }  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("claimant=a-envoy", ["zc-1", "zc-3"]),
        ("source=s-early", ["zc-1", "zc-2"]),
        ("event=e-talks", ["zc-1"]),
        ("status=disputed", ["zc-1"]),
        ("stated_from=1902-04&stated_to=1902-12", ["zc-2"]),
        ("stated_from=1902-03-01&stated_to=1902-03-01", ["zc-1"]),
        ("stated_from=1903-06", ["zc-3"]),
        ("stated_to=1902-04&stated_from=1900", ["zc-1"]),
        ("q=quimby", ["zc-1", "zc-3"]),
        ("q=improve", ["zc-2"]),
        ("q=hopeful", ["zc-2"]),
        ("claimant=a-envoy&ordering=-stated", ["zc-3", "zc-1"]),
    ],
)
def test_claims_filters(api, early_claims, query, expected):
    found = slugs(api.get(f"/api/v1/claims/?{query}&page_size=200"))
    assert [slug for slug in found if slug.startswith("zc-")] == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=state&q=Freedonia", ["a-freedonia"]),
        ("q=freedonia", ["a-freedonia", "a-firefly"]),
        ("q=rufus", ["a-firefly"]),
        ("q=Fredonia", ["a-freedonia"]),
        ("kind=person&q=Freedonia", ["a-firefly"]),
    ],
)
def test_actors_filters(api, query, expected):
    ActorFactory(slug="a-freedonia", name="Freedonia", kind="state", aliases=["Fredonia"])
    ActorFactory(
        slug="a-firefly", name="Rufus T. Firefly", kind="person", title="Leader of Freedonia"
    )
    assert slugs(api.get(f"/api/v1/actors/?{query}")) == expected


def test_sources_filters(api):
    gazette = ActorFactory(slug="a-gazette", kind="media")
    SourceFactory(slug="s-gazette", publisher=gazette, title="Gazette report")
    SourceFactory(slug="s-other", title="Other report", text="The walrus was Paul.")
    assert slugs(api.get("/api/v1/sources/?publisher=a-gazette")) == ["s-gazette"]
    assert slugs(api.get("/api/v1/sources/?q=walrus")) == ["s-other"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("zanzi", ["e-q-title"]),  # the start of a word
        ("anzibar", []),  # not inside a word
        ("talks ZANZIBAR", ["e-q-title"]),  # every term, any order and case
        ("zanzibar quagga", []),
        ("zanzibar!", ["e-q-title"]),  # full-text search reads the words of a term
        ("!!!", []),  # no word at all: a substring search for it
        ("ozyman", ["e-q-actor"]),  # participants' names: anywhere in them
        ("mandias", ["e-q-actor"]),
    ],
)
def test_events_text_search_semantics(api, q, expected):
    """Each term begins a word, on both databases (a GIN index on PostgreSQL, FTS5 on SQLite)."""
    EventFactory(slug="e-q-title", title="The Zanzibar talks", date="1902")
    EventFactory(slug="e-q-summary", title="Talks", summary="About the quagga.", date="1902")
    EventFactory(
        slug="e-q-actor", title="Speech", date="1902", actors=[ActorFactory(name="Ozymandias King")]
    )
    assert slugs(api.get("/api/v1/events/", {"q": q})) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("improv", ["zc-2"]),
        ("mprove", []),
        ("quimb", ["zc-1", "zc-3"]),  # claimants' names: anywhere in them
        ("imby", ["zc-1", "zc-3"]),
    ],
)
def test_claims_text_search_semantics(api, early_claims, q, expected):
    found = slugs(api.get("/api/v1/claims/", {"q": q, "page_size": 200}))
    assert [slug for slug in found if slug.startswith("zc-")] == expected


@pytest.mark.parametrize("ordering", ["date", "-date", "title", "-title"])
def test_a_search_keeps_the_order_of_the_list(api, ordering):
    """On PostgreSQL a search orders by an expression (so the GIN index is used): same order."""
    for slug, title, date in [
        ("e-t1", "Talks in spring", "1902-03-15"), ("e-t2", "Talks again", "1902-03"),
        ("e-t3", "Early talks", "1902"), ("e-t4", "Talks late", "1903-01-01"),
        ("e-t5", "Other talks", "1902-03-15"), ("e-x", "Unrelated", "1902-03-15"),
    ]:  # fmt: skip
        EventFactory(slug=slug, title=title, date=date)
    listed = slugs(api.get(f"/api/v1/events/?{ALL}&ordering={ordering}"))
    searched = slugs(api.get(f"/api/v1/events/?{ALL}&ordering={ordering}&q=talks"))
    assert searched == [slug for slug in listed if slug.startswith("e-t")]
    assert len(searched) == 5


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("", ["a-twin-1", "a-twin-2", "a-zed"]),
        ("name", ["a-twin-1", "a-twin-2", "a-zed"]),
        ("-name", ["a-zed", "a-twin-2", "a-twin-1"]),  # ties follow the key: newest first
        ("id", ["a-twin-1", "a-zed", "a-twin-2"]),
        ("-id", ["a-twin-2", "a-zed", "a-twin-1"]),
        ("name,-id", ["a-twin-2", "a-twin-1", "a-zed"]),
    ],
)
def test_actors_ordering(api, ordering, expected):
    """Actors of the same name keep one order (by id), so a page never repeats or skips one."""
    ActorFactory(slug="a-twin-1", name="Zzz Twin")
    ActorFactory(slug="a-zed", name="Zzzz")
    ActorFactory(slug="a-twin-2", name="Zzz Twin")
    found = slugs(api.get(f"/api/v1/actors/?q=zzz&ordering={ordering}"))
    assert found == expected


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("", ["s-b", "s-c", "s-a"]),
        ("published", ["s-b", "s-c", "s-a"]),
        ("-published", ["s-a", "s-b", "s-c"]),  # the same day: by title
        ("title", ["s-a", "s-b", "s-c"]),
        ("-title", ["s-c", "s-b", "s-a"]),
        ("-title,published", ["s-c", "s-b", "s-a"]),
    ],
)
def test_sources_ordering(api, ordering, expected):
    for slug, title, published in [
        ("s-a", "Aardvark report", "1902"),
        ("s-c", "Caracal report", "1901-05"),
        ("s-b", "Bison report", "1901-05"),
    ]:
        SourceFactory(slug=slug, title=title, published=published, text="Qqqq.")
    assert slugs(api.get(f"/api/v1/sources/?q=qqqq&ordering={ordering}")) == expected


def test_each_filterset_has_filters_of_its_own():
    """The declared filters are copied shallowly per FilterSet (``RecordFilterSet.__init__``):
    each copy answers to its own FilterSet (a method filter's request), and neither the
    declaration nor another request's FilterSet is touched."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import QueryDict
    from django.test import RequestFactory

    from tracker.api.exceptions import PermissionDeniedFor
    from tracker.api.filters import EventFilter
    from tracker.models import Event

    reader = RequestFactory().get("/")
    reader.user = AnonymousUser()
    curator = RequestFactory().get("/")
    curator.user = type("Curator", (), {"is_authenticated": True, "is_superuser": True})()
    drafts = QueryDict("state=draft&ordering=-date")
    first = EventFilter(drafts, queryset=Event.objects.all(), request=curator)
    second = EventFilter(drafts, queryset=Event.objects.all(), request=reader)
    for name, declared in EventFilter.base_filters.items():
        assert first.filters[name] is not declared
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name].parent is first and second.filters[name].parent is second
        assert not hasattr(declared, "parent")
    assert first.form.__class__ is second.form.__class__  # made once per FilterSet
    for name, field in first.form.fields.items():  # copied for each form
        assert field is not second.form.fields[name]
        assert field is not first.form.__class__.base_fields[name]
    assert first.is_valid() and second.is_valid()
    assert "draft" in str(first.qs.query)  # the curator's request
    with pytest.raises(PermissionDeniedFor):
        second.qs  # noqa: B018  # the reader's: its own filter_state, its own request
