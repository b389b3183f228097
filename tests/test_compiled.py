"""A list's count and page read with SQL compiled once per worker (``tracker.selectors.compiled``)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ClaimFactory, EventFactory
from tracker import shapes
from tracker.models import Claim, Event
from tracker.selectors import compiled

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(monkeypatch):
    """An empty store of kept SQL, for this test alone."""
    store = {}
    monkeypatch.setattr(compiled, "_KEPT", store)
    return store


def window(first, last):
    return Event.objects.filter(date_end__gte=first, date_start__lte=last).order_by("date_start")


def test_the_count_is_the_orms_with_the_same_sql(kept):
    EventFactory(date="1901"), EventFactory(date="1902-05"), EventFactory(date="1903")
    with CaptureQueriesContext(connection) as orm:
        expected = window("1901-01-01", "1902-12-31").count()
    with CaptureQueriesContext(connection) as ours:
        assert compiled.count(window("1901-01-01", "1902-12-31")) == expected == 2
    assert [q["sql"] for q in ours.captured_queries] == [q["sql"] for q in orm.captured_queries]


def test_the_sql_is_kept_per_kind_of_list_and_takes_each_requests_values(kept):
    EventFactory(date="1901"), EventFactory(date="1902-05"), EventFactory(date="1903")
    assert compiled.count(window("1901-01-01", "1901-12-31")) == 1
    assert len(kept) == 1
    assert compiled.count(window("1900-01-01", "1909-12-31")) == 3  # the same SQL, other values
    assert len(kept) == 1
    assert compiled.count(window("1901-01-01", "1909-12-31").filter(title="x")) == 0
    assert len(kept) == 2  # another WHERE clause: another SQL
    columns = shapes.EVENT.columns
    page = compiled.rows(window("1900-01-01", "1909-12-31").values_list(*columns)[1:3])
    assert [row[0] for row in page] == list(
        window("1900-01-01", "1909-12-31").values_list("id", flat=True)[1:3]
    )
    assert len(kept) == 3
    # The columns given apart: the same rows, their values_list made only for the first SQL.
    assert compiled.rows(window("1900-01-01", "1909-12-31")[1:3], columns=columns) == page
    assert len(kept) == 4
    listed = compiled.rows(window("1902-01-01", "1903-12-31")[1:3], columns=columns)
    assert [row[0] for row in listed] == list(
        window("1902-01-01", "1903-12-31").values_list("id", flat=True)[1:3]
    )
    assert len(kept) == 4


def test_a_query_the_key_does_not_describe_is_compiled_every_time(kept):
    ClaimFactory()
    annotated = Claim.objects.extra(select={"one": "1"})  # noqa: S610  # extra SQL: not kept
    assert compiled.count(annotated) == Claim.objects.count()
    assert compiled.count(Claim.objects.filter(pk__in=[])) == 0  # no row can match: no query
    assert kept == {}


def test_a_kept_sql_that_differs_from_the_orms_fails_the_tests(kept):
    EventFactory(date="1901")
    compiled.count(window("1901-01-01", "1901-12-31"))
    (key,) = kept
    kept[key] = kept[key].replace("COUNT(*)", "COUNT(*) + 1")
    with pytest.raises(AssertionError, match="differs"):
        compiled.count(window("1901-01-01", "1901-12-31"))


def test_the_record_version_is_the_orms():
    """``selectors.version`` reads the version with SQL kept per vendor, converted as the ORM
    converts it (aware moments), and a write moves it."""
    from django.db.models.functions import Now

    from tracker.models import RecordVersion
    from tracker.selectors import version

    first = version.record_version()
    number, changed, now = (
        RecordVersion.objects.filter(pk=1)
        .annotate(now=Now())
        .values_list("number", "changed", "now")
    ).first()
    assert (first.number, first.changed) == (number, changed)
    assert first.now.tzinfo is not None and first.changed.tzinfo is not None
    assert abs((now - first.now).total_seconds()) < 5
    EventFactory(date="1901")
    assert version.record_version().number > first.number


def test_an_aggregate_over_every_row_is_kept_and_is_the_orms(kept):
    """``WindowFilter``'s longest span: no condition, one SQL kept for it."""
    from django.db.models import Max

    EventFactory(date="1901/1903")
    expected = Event.objects.aggregate(longest=Max("date_span"))["longest"]
    assert compiled.aggregate(Event._base_manager.all(), Max("date_span")) == expected >= 729
    assert compiled.aggregate(Event._base_manager.all(), Max("date_span")) == expected
    assert len(kept) == 1
