"""A list's count and the rows of its page, their SQL compiled by the ORM once per worker.

A list's queryset is made afresh for each request (its filters), and the ORM compiled it twice
for a page, for its count and for the page: about 0.6 ms of an events page, more than the page
query itself (docs/benchmarks.md). Two requests with the same filters differ only in the values
of the WHERE clause, so the SQL is kept, keyed by the WHERE clause as the ORM writes it (its
text, compiled on each request: a twentieth of the whole) and by everything else the query's SQL
is made of (``_shape``: tables and joins, columns, order, slice). The values come from that WHERE
clause, which must hold every parameter of the query for its SQL to be kept.

A query the key does not describe (annotations, grouping, DISTINCT ON, extra SQL, a combined
query) is compiled as usual every time. The tests compare every kept SQL with the ORM's own
(``CHECKED``), so a part of a query the key missed would fail them rather than answer wrongly.

Rows come as the driver gives them, without the ORM's conversion of each value, as for the
embeds (``tracker.selectors.embeds``): dates are ISO text on SQLite and dates on PostgreSQL,
which the shapes' builders take both.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import Aggregate, Count, QuerySet
from django.db.models.sql.query import Query

MAX_KEPT = 1000  # kinds of list query kept per worker; the whole set is dropped when it is full
CHECKED = False  # set by the tests: each kept SQL is compared with the ORM's, every time

_KEPT: dict[tuple[Any, ...], str] = {}


def count(queryset: QuerySet[Any]) -> int:
    """``queryset.count()``, its SQL kept per kind of list."""
    counted = aggregate(queryset, Count("*"), alias="__count")
    return int(counted or 0)


def aggregate(queryset: QuerySet[Any], expression: Aggregate, alias: str = "__value") -> Any:
    """``queryset.aggregate(expression)``'s one value, as the driver gives it, its SQL kept per
    kind of query (``WindowFilter``'s longest span, a list's count)."""
    make = functools.partial(_aggregate_query, expression=expression, alias=alias)
    kind = ("aggregate", alias, expression.identity)
    try:
        sql, params = _sql(kind, queryset.query, queryset.db, make)
    except EmptyResultSet:  # a condition no row meets (``pk__in=[]``): no query needed
        return 0 if isinstance(expression, Count) else None
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def rows(queryset: QuerySet[Any], columns: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
    """The rows of ``queryset`` (a ``values_list``, sliced or not), as the driver gives them;
    or, given ``columns``, of ``queryset.values_list(*columns)``, which is then made only when
    its SQL is not kept (making it, its joins resolved, took 0.15 ms of an events page)."""

    def make(query: Query) -> Query:
        return queryset.values_list(*columns).query.chain() if columns else query.chain()

    try:
        sql, params = _sql(("rows", columns), queryset.query, queryset.db, make)
    except EmptyResultSet:
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        fetched: list[tuple[Any, ...]] = cursor.fetchall()
    return fetched


def _aggregate_query(query: Query, expression: Aggregate, alias: str) -> Query:
    """The query of ``query``'s aggregate, as ``Query.get_aggregation`` makes it for a plain
    list (no grouping, slice, DISTINCT or annotation: ``_shape`` keeps to those)."""
    aggregated = query.chain()
    aggregated.clear_ordering(force=True)
    aggregated.clear_limits()
    aggregated.clear_select_clause()
    aggregated.values_select = ()
    aggregated.add_annotation(expression, alias)
    return aggregated


def _shape(query: Query) -> tuple[Any, ...] | None:
    """Everything but the WHERE clause that ``query``'s SQL is made of, or None when the query
    holds a part this does not describe (it is then compiled every time)."""
    if (
        query.annotations
        or query.extra
        or query.extra_order_by
        or query.combinator
        or query.distinct_fields
        or query.group_by is not None
        or query.select_for_update
        or query.where.contains_aggregate
        or query.where.contains_over_clause
    ):
        return None
    joins = []
    for alias, join in query.alias_map.items():
        if getattr(join, "filtered_relation", None) is not None:
            return None
        joins.append(
            (
                alias,
                join.identity,  # type: ignore[union-attr]  # both have it (not in the stubs)
                getattr(join, "join_type", None),
                getattr(join, "nullable", None),
                query.alias_refcount.get(alias),
            )
        )
    return (
        query.model,
        tuple(joins),
        query.select,
        query.values_select,
        query.default_cols,
        repr(query.select_related),
        query.max_depth,
        query.deferred_loading[0],
        query.deferred_loading[1],
        query.order_by,
        query.default_ordering,
        query.standard_ordering,
        query.low_mark,
        query.high_mark,
        query.distinct,
    )


def _sql(
    kind: Any, query: Query, using: str, make: Callable[[Query], Query]
) -> tuple[str, list[Any]]:
    """The SQL and parameters of ``make(query)``: kept by ``query``'s WHERE clause and shape."""
    shape = _shape(query)
    where, where_params = "", []
    if shape is not None:
        try:
            where, where_params = query.get_compiler(using=using).compile(query.where)
        except FullResultSet:  # no condition: every row
            where, where_params = "", []
        except EmptyResultSet:
            shape = None  # compiled in full below, which knows what it means
    key = (connections[using].vendor, kind, where, shape)
    kept = _KEPT.get(key) if shape is not None else None
    if kept is not None and not CHECKED:
        return kept, list(where_params)
    sql, params = make(query).get_compiler(using=using).as_sql()
    params = list(params)
    if kept is not None and (kept, list(where_params)) != (sql, params):
        raise AssertionError(f"kept SQL differs from the ORM's: {kept!r} {sql!r}")
    if shape is not None and params == list(where_params):  # the values are the WHERE's only
        if len(_KEPT) >= MAX_KEPT:
            _KEPT.clear()
        _KEPT[key] = sql
    return sql, params
