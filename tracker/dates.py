"""EDTF dates: parsing, their day bounds and precision, and the model field that stores them.

A value such as ``2019-04-25``, ``2020-01``, ``2022``, ``2022-07~`` (approximate), ``2017?``
(uncertain) or ``2017-10/2017-12`` (an interval) is kept as written; next to it the model stores
the first and last day it may mean and its precision, so that filtering and ordering run on
indexed date columns instead of on text.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from edtf import parse_edtf, struct_time_to_date
from edtf.parser.edtf_exceptions import EDTFParseException
from edtf.parser.parser_classes import Date, Interval, UncertainOrApproximate


class Precision(models.TextChoices):
    DAY = "day", "day"
    MONTH = "month", "month"
    YEAR = "year", "year"


# Coarser precision sorts later: an event known to the day comes before one known to the month.
PRECISION_RANK: dict[str, int] = {Precision.DAY: 0, Precision.MONTH: 1, Precision.YEAR: 2}


@dataclass(frozen=True)
class Bounds:
    start: datetime.date
    end: datetime.date
    precision: str


def _date_precision(node) -> str | None:
    if isinstance(node, UncertainOrApproximate):
        node = node.date
    if type(node) is Date:  # subclasses (seasons, unspecified digits) have no day bounds here
        return node.precision if node.precision in PRECISION_RANK else None
    return None


# A plain calendar date, optionally approximate/uncertain: by far the most common value. The
# edtf grammar takes milliseconds per value (a bulk load of a million claims would spend an hour
# in it), so these (and intervals of two of them) are read directly; tests check that both
# readings agree on every form.
_PLAIN = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?[~?%]?")


def _parse_plain(value: str) -> Bounds | None:
    match = _PLAIN.fullmatch(value)
    if match is None:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    assert year is not None  # _PLAIN always has the year
    try:
        if month is not None and day is not None:
            start = end = datetime.date(year, month, day)
            return Bounds(start=start, end=end, precision="day")
        if month is not None:
            start, end = month_bounds(year, month)
            return Bounds(start=start, end=end, precision="month")
        return Bounds(
            start=datetime.date(year, 1, 1), end=datetime.date(year, 12, 31), precision="year"
        )
    except ValueError:
        return None  # not a real date (year 0, month 13, 30 February): the grammar explains why


def parse(value: str) -> Bounds:
    """Parse an EDTF string into its bounds; raise ValidationError with a reason if it can't be.

    Supported: a calendar date at day, month or year precision, optionally approximate (``~``),
    uncertain (``?``) or both (``%``), and a closed interval of two such dates. Seasons,
    unspecified digits (``201X``), sets and open intervals have no day bounds a filter can use.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("An EDTF date is required, e.g. 2019-04-25, 2020-01 or 2022.")
    return _parse_stripped(value.strip())


def _parse_plain_interval(value: str) -> Bounds | None:
    lower, slash, upper = value.partition("/")
    if not slash:
        return _parse_plain(value)
    first, last = _parse_plain(lower), _parse_plain(upper)
    if first is None or last is None or first.start > last.end:
        return None
    precision = max(first.precision, last.precision, key=PRECISION_RANK.__getitem__)
    return Bounds(start=first.start, end=last.end, precision=precision)


@functools.lru_cache(maxsize=65536)
def _parse_stripped(value: str) -> Bounds:
    plain = _parse_plain_interval(value)
    if plain is not None:
        return plain
    return parse_with_grammar(value)


def parse_with_grammar(value: str) -> Bounds:
    """``parse`` through the edtf grammar alone, for every form (the reference reading)."""
    try:
        node = parse_edtf(value)
    except (EDTFParseException, ValueError, TypeError, OverflowError):
        raise ValidationError(
            f"'{value}' is not a valid EDTF date (expected e.g. 2019-04-25, 2020-01, 2022, "
            "2022-07~ or 2017?)."
        ) from None
    precision: str | None
    if isinstance(node, Interval):
        ends = [node.lower, node.upper]
        precisions = [p for p in (_date_precision(end) for end in ends) if p is not None]
        if len(precisions) < len(ends):
            raise ValidationError(f"'{value}': both ends of an interval must be dates.")
        precision = max(precisions, key=PRECISION_RANK.__getitem__)
    else:
        precision = _date_precision(node)
        if precision is None:
            raise ValidationError(
                f"'{value}' is valid EDTF but not supported here: use a date at day, month or "
                "year precision, optionally with ~ or ?, or an interval of two such dates."
            )
    try:
        start = struct_time_to_date(node.lower_strict())
        end = struct_time_to_date(node.upper_strict())
    except (ValueError, OverflowError):
        raise ValidationError(f"'{value}' is outside the supported range of years.") from None
    if start > end:
        raise ValidationError(f"'{value}': the interval ends before it starts.")
    return Bounds(start=start, end=end, precision=precision)


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of a month, computed without stepping past it: December 9999 has
    no following month to step back from (``ValueError`` for a month or year out of range)."""
    if not 1 <= month <= 12:
        raise ValueError("month must be in 1..12")
    first = datetime.date(year, month, 1)
    return first, first.replace(day=calendar.monthrange(year, month)[1])


def days_before(day: datetime.date, days: int) -> datetime.date:
    """``day`` minus ``days``, or the smallest date when that would be before it."""
    if days >= (day - datetime.date.min).days:
        return datetime.date.min
    return day - datetime.timedelta(days=days)


def days_after(day: datetime.date, days: int) -> datetime.date:
    """``day`` plus ``days``, or the largest date when that would be after it."""
    if days >= (datetime.date.max - day).days:
        return datetime.date.max
    return day + datetime.timedelta(days=days)


def window(value: str) -> tuple[datetime.date, datetime.date]:
    """First and last day of a filter value ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    parts = value.split("-") if isinstance(value, str) else []
    sizes = {1: (4,), 2: (4, 2), 3: (4, 2, 2)}.get(len(parts))
    if sizes is None or any(
        len(part) != size or not (part.isascii() and part.isdigit())
        for part, size in zip(parts, sizes, strict=True)
    ):
        raise ValidationError(f"'{value}' is not a date: use YYYY, YYYY-MM or YYYY-MM-DD.")
    numbers = [int(part) for part in parts]
    try:
        if len(numbers) == 1:
            return datetime.date(numbers[0], 1, 1), datetime.date(numbers[0], 12, 31)
        if len(numbers) == 2:
            return month_bounds(*numbers)
        day = datetime.date(*numbers)
        return day, day
    except ValueError as error:
        raise ValidationError(f"'{value}' is not a real date ({error}).") from None


class EDTFField(models.CharField):
    """An EDTF string that keeps ``<name>_start``, ``<name>_end`` and ``<name>_precision`` in step.

    The companion columns are ordinary fields declared on the model after this one (``blank`` and
    not editable: they are derived, never typed). A model may also declare ``<name>_span``, the
    days from start to end, whose maximum bounds window filters from below (see
    ``tracker.api.filters.WindowFilter``). Validation and every save derive them from the
    EDTF value, so they cannot disagree with it.
    """

    description = "An EDTF (Extended Date/Time Format) date"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == 64:
            del kwargs["max_length"]
        return name, path, args, kwargs

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if value not in self.empty_values:
            set_bounds(model_instance, self.attname, value)  # parses, or raises for this field

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        set_bounds(model_instance, self.attname, value)
        return value


def set_bounds(instance: models.Model, name: str, value: str | None) -> None:
    bounds = parse(value) if value else None
    setattr(instance, f"{name}_start", bounds.start if bounds else None)
    setattr(instance, f"{name}_end", bounds.end if bounds else None)
    setattr(instance, f"{name}_precision", bounds.precision if bounds else "")
    if _has_field(instance, f"{name}_span"):
        setattr(instance, f"{name}_span", (bounds.end - bounds.start).days if bounds else None)


def _has_field(instance: models.Model, name: str) -> bool:
    return any(field.name == name for field in instance._meta.concrete_fields)


# --- Reading bounds back as calendar parts (the exports' formats) ----------------------------


def as_date(value: datetime.date | str) -> datetime.date:
    """A bound as stored (a date, or its ISO text in rows read from SQLite)."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def calendar_parts(day: datetime.date | str, precision: str) -> dict[str, int]:
    """``{"year"[, "month"[, "day"]]}`` of a day, as far as the precision goes: a month-precision
    date has no day (TimelineJS shows a month then, not a made-up day)."""
    day = as_date(day)
    parts = {"year": day.year}
    if precision in (Precision.MONTH, Precision.DAY):
        parts["month"] = day.month
    if precision == Precision.DAY:
        parts["day"] = day.day
    return parts


def _unit_end(day: datetime.date, precision: str) -> datetime.date:
    """The last day of the day, month or year ``day`` starts, by precision."""
    if precision == Precision.DAY:
        return day
    if precision == Precision.MONTH:
        following = day.replace(day=28) + datetime.timedelta(days=4)
        return following - datetime.timedelta(days=following.day)
    return day.replace(month=12, day=31)


def single_unit(start: datetime.date | str, end: datetime.date | str, precision: str) -> bool:
    """Whether the bounds are one whole day, month or year of that precision (``2022-07``), not
    a span of several (``2017-10/2017-12``, ``1990~/1999``)."""
    start, end = as_date(start), as_date(end)
    return _unit_end(start, precision) >= end


def iso_reduced(start: datetime.date | str, end: datetime.date | str, precision: str) -> str | None:
    """ISO 8601 at the date's precision (``2022-07-13``, ``2022-07``, ``2022``) when the bounds are
    one day, month or year; None for a span, which no single ISO date says."""
    if not single_unit(start, end, precision):
        return None
    start = as_date(start)
    if precision == Precision.DAY:
        return start.isoformat()
    if precision == Precision.MONTH:
        return f"{start.year:04d}-{start.month:02d}"
    return f"{start.year:04d}"
