"""The embeddable timeline page without a browser: its frame headers, its data URL, its errors."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_embed_may_be_framed_and_reads_the_timelinejs_format(client):
    response = client.get("/embed/timeline/?tag=summit&date_from=2019&page=3&format=csv")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    # The event filters are passed on, anything else is not; the data is TimelineJS's format.
    assert response.context["data_url"] == (
        "/api/v1/events/?tag=summit&date_from=2019&format=timelinejs"
    )
    assert b'src="/static/timelinejs/js/timeline.js"' in response.content


def test_no_other_page_may_be_framed(client):
    assert client.get("/")["X-Frame-Options"] == "DENY"
    assert client.get("/api/docs/")["X-Frame-Options"] == "DENY"


def test_who_may_frame_it_is_a_setting(client, settings):
    settings.EMBED_FRAME_ANCESTORS = "https://news.example.org"
    response = client.get("/embed/timeline/")
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors https://news.example.org" in policy
    # The rest of the site's policy holds there too: no inline script or style.
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("date_from=2022-13", "date_from"),
        ("actor=nobody", "actor"),
        ("precision=week", "precision"),
    ],
)
def test_bad_filters_are_a_json_400_naming_them(client, query, parameter):
    response = client.get(f"/embed/timeline/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["status"], body["code"]) == (400, "invalid")
    assert parameter in body["errors"]
