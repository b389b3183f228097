"""EDTF parsing, bounds and precision; filter windows."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from tracker import dates

D = datetime.date


@pytest.mark.parametrize(
    ("value", "start", "end", "precision"),
    [
        ("2019-04-25", D(2019, 4, 25), D(2019, 4, 25), "day"),
        ("2020-01", D(2020, 1, 1), D(2020, 1, 31), "month"),
        ("2020-02", D(2020, 2, 1), D(2020, 2, 29), "month"),
        ("2022", D(2022, 1, 1), D(2022, 12, 31), "year"),
        ("2022-07~", D(2022, 7, 1), D(2022, 7, 31), "month"),
        ("2017?", D(2017, 1, 1), D(2017, 12, 31), "year"),
        ("2017-10%", D(2017, 10, 1), D(2017, 10, 31), "month"),
        ("2017-10/2017-12", D(2017, 10, 1), D(2017, 12, 31), "month"),
        ("2017-10-05/2018", D(2017, 10, 5), D(2018, 12, 31), "year"),
    ],
)
def test_parse_gives_bounds_and_precision(value, start, end, precision):
    assert dates.parse(value) == dates.Bounds(start, end, precision)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "required"),
        ("2022-02-30", "not a valid EDTF"),
        ("2022-13", "not a valid EDTF"),
        ("yesterday", "not a valid EDTF"),
        ("201X", "not supported"),
        ("2020-21", "not supported"),  # a season has no day bounds
        ("2018/2017", "ends before it starts"),
        ("2017-10/..", "both ends"),
    ],
)
def test_parse_refuses_with_a_reason(value, reason):
    with pytest.raises(ValidationError) as caught:
        dates.parse(value)
    assert reason in caught.value.messages[0]


@pytest.mark.parametrize(
    ("value", "window"),
    [
        ("2022", (D(2022, 1, 1), D(2022, 12, 31))),
        ("2022-02", (D(2022, 2, 1), D(2022, 2, 28))),
        ("2024-02", (D(2024, 2, 1), D(2024, 2, 29))),
        ("2022-12", (D(2022, 12, 1), D(2022, 12, 31))),
        ("2019-04-25", (D(2019, 4, 25), D(2019, 4, 25))),
        ("9999-12", (D(9999, 12, 1), D(9999, 12, 31))),  # no next month to step back from
        ("9999", (D(9999, 1, 1), D(9999, 12, 31))),
        ("0001-01", (D(1, 1, 1), D(1, 1, 31))),
    ],
)
def test_window(value, window):
    assert dates.window(value) == window


@pytest.mark.parametrize(
    "value", ["2022-02-30", "2022-13", "22", "2022-7", "2022/07", "abcd", "2022-07-01T00", "0000"]
)
def test_window_refuses(value):
    with pytest.raises(ValidationError):
        dates.window(value)


PLAIN_FORMS = [
    "2019-04-25", "2020-02-29", "2019-12-31", "0001-01-01", "2020-01", "2020-02", "2021-02",
    "1999-12", "2022", "1950", "2022-07~", "2017?", "2017-10%", "2019-04-25~", "2019-04-25?",
    "1990~/1999", "2017-10/2017-12", "2017-10-05/2018", "2019-04-25/2019-04-25", "2019~/2020?",
]  # fmt: skip


@pytest.mark.parametrize("value", PLAIN_FORMS)
def test_the_direct_reading_agrees_with_the_edtf_grammar(value):
    """Plain dates and their intervals skip the (slow) grammar; both must give the same bounds."""
    assert dates.parse(value) == dates.parse_with_grammar(value)


@pytest.mark.parametrize("value", ["2022-02-30", "2022-13", "2020-21", "0000", "2018/2017"])
def test_what_the_direct_reading_cannot_read_goes_to_the_grammar(value):
    with pytest.raises(ValidationError) as direct:
        dates.parse(value)
    with pytest.raises(ValidationError) as grammar:
        dates.parse_with_grammar(value)
    assert direct.value.messages == grammar.value.messages


def test_an_events_span_is_kept_with_its_bounds(db):
    from tests.factories import EventFactory

    assert EventFactory(date="2019-04-25").date_span == 0
    assert EventFactory(date="2020").date_span == 365
    event = EventFactory(date="1990~/1999")
    assert event.date_span == (event.date_end - event.date_start).days == 3651
    event.date = "2001-02"
    event.save()
    assert event.date_span == 27


def test_day_arithmetic_stops_at_the_ends_of_the_calendar():
    assert dates.days_before(D(2022, 7, 1), 10**6) == D.min
    assert dates.days_before(D(2022, 7, 1), 30) == D(2022, 6, 1)
    assert dates.days_after(D(9999, 12, 1), 31) == D.max
    assert dates.days_after(D(2022, 6, 1), 30) == D(2022, 7, 1)
    assert dates.parse("9999-12~") == dates.Bounds(D(9999, 12, 1), D.max, "month")
