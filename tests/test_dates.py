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
