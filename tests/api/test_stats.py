"""GET /api/v1/stats/timeline/: events and their claims per year or month."""

import pytest

pytestmark = pytest.mark.django_db


def test_per_year_covers_every_year_from_first_to_last(api):
    body = api.get("/api/v1/stats/timeline/").json()
    assert [row["period"] for row in body] == [str(year) for year in range(1990, 2023)]
    by_year = {row["period"]: (row["events"], row["claims"]) for row in body}
    assert by_year["2019"] == (2, 0)
    assert by_year["2018"] == (0, 0)
    assert by_year["2022"] == (11, 32)
    assert sum(row["events"] for row in body) == 31


def test_per_month_with_event_filters(api):
    body = api.get("/api/v1/stats/timeline/?bucket=month&date_from=2022").json()
    assert body == [
        {"period": "2022-01", "events": 3, "claims": 1},
        {"period": "2022-02", "events": 4, "claims": 14},
        {"period": "2022-03", "events": 0, "claims": 0},
        {"period": "2022-04", "events": 0, "claims": 0},
        {"period": "2022-05", "events": 0, "claims": 0},
        {"period": "2022-06", "events": 0, "claims": 0},
        {"period": "2022-07", "events": 4, "claims": 17},
    ]


def test_an_actor_filter_and_an_empty_result(api):
    body = api.get("/api/v1/stats/timeline/?actor=denis-pushilin&bucket=month").json()
    assert body == [{"period": "2022-07", "events": 1, "claims": 3}]
    assert api.get("/api/v1/stats/timeline/?date_from=1800&date_to=1801").json() == []
