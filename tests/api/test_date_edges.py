"""Dates at the edges of the calendar (years 1 and 9999), through every read filter and write.

Security review (issue 19): ``?date_to=9999-12`` answered 500 (the month's end was found by
stepping into the next month, which December 9999 has not), and one stored event dated
``0001/2022`` made every ``?date_from=`` answer 500 (the window's lower bound went below the
smallest date). Each request is pinned first, then Hypothesis searches the edges: EDTF values
and windows from year 1 to 9999, open ends, long intervals and every precision.
"""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.responses import slugs
from tests.factories import EventFactory
from tests.records import publish
from tracker import dates
from tracker.models import Event

pytestmark = pytest.mark.django_db

WINDOWS = {  # list -> (from, to) parameter names
    "/api/v1/events/": ("date_from", "date_to"),
    "/api/v1/claims/": ("stated_from", "stated_to"),
    "/api/v1/stats/timeline/": ("date_from", "date_to"),
    "/api/v1/stats/claims/": ("stated_from", "stated_to"),
}
EDGE_WINDOWS = ["9999-12", "9999", "9999-12-31", "0001", "0001-01", "0001-01-01"]

PROPERTY_SETTINGS = settings(
    max_examples=40,
    derandomize=True,  # the same examples on every run, on both databases
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def edtf_dates():
    """A plain EDTF date at any precision from year 1 to 9999, optionally qualified."""
    day = st.dates(min_value=datetime.date.min, max_value=datetime.date.max)
    return st.tuples(day, st.sampled_from(["day", "month", "year"]), st.sampled_from("~?%")).map(
        lambda args: (
            {
                "day": args[0].isoformat(),
                "month": args[0].isoformat()[:7],
                "year": args[0].isoformat()[:4],
            }[args[1]]
            + args[2]
        )
    )


def edtf_values():
    """Dates, intervals of two dates (long ones included), and the edges themselves."""
    plain = edtf_dates()
    interval = st.tuples(plain, plain).map(lambda ends: "/".join(sorted(ends)))
    edges = st.sampled_from(["9999-12", "9999-12-31", "9999", "0001", "0001-01", "0001/9999"])
    return st.one_of(edges, plain, interval)


def window_values():
    """Filter values YYYY, YYYY-MM or YYYY-MM-DD from year 1 to 9999, or an open end."""
    return st.one_of(
        st.none(),
        st.sampled_from(EDGE_WINDOWS),
        edtf_dates().map(lambda value: value.rstrip("~?%")),
    )


@pytest.fixture
def edge_events(db):
    """Events at both ends of the calendar, and one spanning nearly all of it."""
    return [
        EventFactory(slug="edge-first-day", date="0001-01-01"),
        EventFactory(slug="edge-long", date="0001/2022"),
        EventFactory(slug="edge-last-month", date="9999-12"),
    ]


# --- The requests of the review -----------------------------------------------------------


@pytest.mark.parametrize("url", list(WINDOWS))
@pytest.mark.parametrize("end", [0, 1])
@pytest.mark.parametrize("value", ["9999-12", "0001-01"])
def test_a_window_at_the_calendars_edge_answers(api, url, end, value):
    response = api.get(url, {WINDOWS[url][end]: value})
    assert response.status_code == 200, response.content


def test_the_last_month_of_the_calendar_is_a_window(api, edge_events):
    response = api.get("/api/v1/events/", {"date_from": "9999-12", "date_to": "9999-12"})
    assert response.status_code == 200
    assert slugs(response) == ["edge-long", "edge-last-month"][1:]


def test_a_stored_interval_from_year_one_does_not_break_date_filtering(api, curator_api):
    response = curator_api.post(
        "/api/v1/events/", {"title": "Long ago to now", "date": "0001/2022"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["date_start"], response.json()["date_end"]) == (
        "0001-01-01",
        "2022-12-31",
    )
    publish(Event.objects.get(pk=response.json()["id"]))  # a draft is the curators' alone
    for url, params in [
        ("/api/v1/events/", {"date_from": "2022-07"}),
        ("/api/v1/events/", {"date_from": "2022-07", "format": "csv"}),
        ("/api/v1/stats/timeline/", {"date_from": "2022"}),
        ("/", {"date_from": "2022-07"}),
    ]:
        assert api.get(url, params).status_code == 200, url
    assert "long-ago-to-now" in slugs(api.get("/api/v1/events/", {"date_from": "2022-07"}))


def test_a_curator_may_date_an_event_in_the_last_month_of_the_calendar(curator_api):
    response = curator_api.post(
        "/api/v1/events/", {"title": "The end", "date": "9999-12"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["date_start"], body["date_end"], body["date_precision"]) == (
        "9999-12-01",
        "9999-12-31",
        "month",
    )


def test_the_admin_adds_an_event_in_the_last_month_of_the_calendar(client, curator):
    client.force_login(curator)
    form = {
        "title": "The end", "slug": "the-end", "summary": "", "date": "9999-12", "location": "",
        "notes": "",
        "participations-TOTAL_FORMS": "0", "participations-INITIAL_FORMS": "0",
        "Claim_events-TOTAL_FORMS": "0", "Claim_events-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = client.post("/admin/tracker/event/add/", form)
    assert response.status_code == 302, response.context["errors"]
    for query in ["date_start__year=9999", "date_start__year=9999&date_start__month=12"]:
        page = client.get(f"/admin/tracker/event/?{query}")
        assert page.status_code == 200
        assert "The end" in page.content.decode()


def test_a_timeline_ending_in_year_9999_ends_there(api, edge_events):
    response = api.get("/api/v1/stats/timeline/", {"bucket": "month", "date_from": "9999-11"})
    assert response.status_code == 200
    assert response.json()[-1] == {"period": "9999-12", "events": 1, "claims": 0}


# --- Properties ---------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(value=edtf_values())
def test_every_edtf_value_has_bounds_within_the_calendar_or_a_reason(value):
    try:
        bounds = dates.parse(value)
    except dates.ValidationError:
        return
    assert datetime.date.min <= bounds.start <= bounds.end <= datetime.date.max
    assert bounds.precision in dates.PRECISION_RANK


@PROPERTY_SETTINGS
@given(value=window_values().filter(lambda value: value is not None))
def test_every_window_value_is_a_window_or_a_reason(value):
    first, last = dates.window(value)
    assert first <= last


@PROPERTY_SETTINGS
@given(
    url=st.sampled_from([*WINDOWS, "csv"]),
    first=window_values(),
    last=window_values(),
    precision=st.sampled_from([None, "day", "month", "year"]),
)
def test_no_read_filter_fails_at_any_window(api, edge_events, url, first, last, precision):
    csv = url == "csv"
    url = "/api/v1/events/" if csv else url
    names = WINDOWS[url]
    params = {
        name: value for name, value in zip(names, (first, last), strict=True) if value is not None
    }
    if precision and "date_from" in names:
        params["precision"] = precision
    if csv:
        params["format"] = "csv"
    response = api.get(url, params)
    assert response.status_code in {200, 400}, (params, response.content)
    if response.status_code == 400:
        assert set(response.json()["errors"]) <= set(names)  # an inverted window, if anything


def write_bodies(value: str) -> dict[str, tuple[str, dict]]:
    """Per kind: the date field and a body valid but for that date."""
    from tracker.models import Claim

    claim = Claim.objects.order_by("pk").first()
    return {
        "events": ("date", {"title": "Edge", "date": value}),
        "claims": ("stated", {
            "text": "Edge", "claimant": claim.claimant_id, "source": claim.source_id,
            "stated": value,
        }),
        "sources": ("published", {"title": "Edge", "text": "Edge.", "published": value}),
    }  # fmt: skip


@PROPERTY_SETTINGS
@given(kind=st.sampled_from(["events", "claims", "sources"]), value=edtf_values())
def test_no_write_of_a_date_fails(curator_api, kind, value):
    field, body = write_bodies(value)[kind]
    response = curator_api.post(f"/api/v1/{kind}/", body, format="json")
    assert response.status_code in {201, 400}, (value, response.content)
    if response.status_code == 400:
        assert set(response.json()["errors"]) == {field}
    else:
        body = response.json()
        assert body[f"{field}_start"] <= body[f"{field}_end"]


@settings(PROPERTY_SETTINGS, max_examples=15)
@given(value=edtf_values())
def test_no_date_fails_the_admins_add_form(client, curator, value):
    from tracker.models import Event

    client.force_login(curator)
    form = {
        "title": "Edge", "slug": f"edge-{Event.objects.count()}", "summary": "", "date": value,
        "location": "", "notes": "",
        "participations-TOTAL_FORMS": "0", "participations-INITIAL_FORMS": "0",
        "Claim_events-TOTAL_FORMS": "0", "Claim_events-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = client.post("/admin/tracker/event/add/", form)
    assert response.status_code in {200, 302}, value  # saved, or the form with its errors
    if response.status_code == 200:
        assert set(response.context["adminform"].form.errors) == {"date"}
