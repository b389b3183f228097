"""The shapes (tracker/shapes.py): what a declaration gives its readers."""

import datetime
from types import SimpleNamespace

import pytest

from tracker import shapes
from tracker.api import exports
from tracker.shapes import DATE, OPTIONAL, Column, Embedded, Link, Listed, Shape, Url

BRIEF = Shape("brief", Column("id"), Column("name"), Column("site", convert=OPTIONAL))
THING = Shape(
    "thing",
    Column("id"),
    Url(),
    Column("day", convert=DATE),
    Column("owner_name", "owner__name"),
    Embedded("maker", BRIEF),
    Listed("parts", "by id"),
)


def test_a_shape_names_its_columns_in_order_embedded_ones_under_their_key():
    assert THING.names == ["id", "url", "day", "owner_name", "maker", "parts"]
    assert THING.columns == ("id", "day", "owner__name", "maker__id", "maker__name", "maker__site")
    assert THING.row_type._fields == THING.columns


def test_the_builder_reads_a_row_by_its_columns_names():
    build = THING.builder(url=lambda pk: f"/things/{pk}/", parts=lambda pk: [pk])
    row = THING.row_type(7, "2022-07-01", "Ann", 3, "Maker", "")
    assert list(build(row)) == THING.names
    assert build(row) == {
        "id": 7, "url": "/things/7/", "day": "2022-07-01", "owner_name": "Ann",
        "maker": {"id": 3, "name": "Maker", "site": None}, "parts": [7],
    }  # fmt: skip
    no_maker = row._replace(maker__id=None, maker__name=None, maker__site=None)
    assert build(no_maker)["maker"] is None


def test_the_builder_reads_a_model_instance_through_its_related_objects():
    build = THING.builder(records=True, url=str, parts=lambda pk: [])
    record = SimpleNamespace(
        id=7,
        day=datetime.date(2022, 7, 1),
        owner=SimpleNamespace(name="Ann"),
        maker=SimpleNamespace(id=3, name="Maker", site="https://example.org/"),
    )
    assert build(record) == {
        "id": 7, "url": "7", "day": "2022-07-01", "owner_name": "Ann",
        "maker": {"id": 3, "name": "Maker", "site": "https://example.org/"}, "parts": [],
    }  # fmt: skip
    orphan = SimpleNamespace(id=8, day=None, owner=None, maker=None)
    assert build(orphan)["owner_name"] is None
    assert build(orphan)["maker"] is None


def test_an_embedded_shape_is_built_from_its_columns_in_the_outer_row():
    row = THING.row_type(7, None, None, 3, "Maker", "https://example.org/")
    assert BRIEF.builder(prefix="maker__")(row) == {
        "id": 3, "name": "Maker", "site": "https://example.org/"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        (Shape("linked", Column("id"), Link("things_url", "thing-list", "thing")), "Link"),
        (Shape("clash", Column("id"), Listed("row", "by id")), "may not be named"),
    ],
)
def test_a_shape_the_builder_cannot_build_is_refused(shape, message):
    with pytest.raises((ValueError, TypeError), match=message):
        shape.builder(url=str, row=list)


def test_shapes_refuse_a_field_declared_twice():
    with pytest.raises(ValueError, match="declared twice"):
        Shape("twice", Column("id"), Column("id", "other"))


def test_an_export_names_columns_for_every_field_it_cannot_hold_in_one_cell():
    with pytest.raises(ValueError, match="'events'"):
        exports.columns_of(shapes.CLAIM, {"relations": ()})
    with pytest.raises(ValueError, match="does not have"):
        exports.columns_of(shapes.ACTOR_BRIEF, {"aliases": ()})
    header = [name for name, _ in exports.columns_of(THING, {"parts": (("parts", len),)})]
    assert header == [
        "id",
        "url",
        "day",
        "owner_name",
        "maker.id",
        "maker.name",
        "maker.site",
        "parts",
    ]
