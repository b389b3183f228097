"""The one pagination class: ``page`` and ``page_size``, the size capped quietly at MAX_PAGE_SIZE.

A ``page`` or ``page_size`` that is not a positive whole number is a 400 naming the parameter;
a page past the end is a 404 (both in the shape of the exception handler). A search that reads
every match to sort it reads its pages with their count (``SearchPagination``, which a view
picks through ``SearchPaginationMixin``); the parameters and answers are the same.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.paginator import Page
from django.core.paginator import Paginator as DjangoPaginator
from django.db import connections
from django.db.models import F, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tracker import search
from tracker.selectors import compiled
from tracker.shapes import Shape

if TYPE_CHECKING:
    from tracker.api.filters import RecordFilterSet

    _Paginator = DjangoPaginator[Any]
else:
    _Paginator = DjangoPaginator  # not subscriptable at run time


def positive_int(request: Request, name: str) -> int | None:
    raw: str | None = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise ValidationError({name: [f"'{raw[:40]}' is not a positive whole number."]})
    return int(raw)


class CountingPaginator(_Paginator):
    """Django's paginator for a full-text search, which must read every match to sort it: each
    page is read with its count, up to ``SEARCH_COUNT_LIMIT`` matches, in two steps.

    First the page's ids, sorted, with a window count over the matches: one query over at most
    ``limit + 1`` of them, narrowly (the id and the sort key, nothing joined), where a separate
    count would read them a second time and a page query would sort them with every column and
    join (figures in docs/benchmarks.md). Then the page's rows by primary key in ``rows`` (the
    view's queryset, its joins but none of the list's conditions: the search ran once, in the
    first step; run again beside ``pk IN``, SQLite first gathered every match of it, 135 ms for
    a common word), put in the first step's order.

    A search that matches more than ``limit`` records is counted as ``limit`` (``counted_all``
    is then False, and the answer says so: ``SearchPagination``), its pages reach its first
    ``limit`` records, and a page is read by walking the list's order (an index gives it),
    testing each row against the search, until the page is full
    (``search.walking_the_order``): a common word then costs about as much as a rare one
    instead of a sort of every match. A page past the end is counted the same way (up to the
    limit) before Django's checks call it a 404.
    """

    def __init__(
        self,
        object_list: Any,
        per_page: int,
        *,
        rows: QuerySet[Any] | None = None,
        rows_of: Shape | None = None,
        limit: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.rows, self.rows_of = rows, rows_of
        self.limit = settings.SEARCH_COUNT_LIMIT if limit is None else limit
        self.counted_all = True

    @cached_property
    def count(self) -> int:
        """The matches, counted up to ``limit``."""
        if not isinstance(self.object_list, QuerySet):
            return int(super().count)
        return self._capped(self.object_list.order_by().values("pk")[: self.limit + 1].count())

    def _capped(self, found: int) -> int:
        if found > self.limit:
            self.counted_all = False
            return self.limit
        return found

    def page(self, number: int | str) -> Page[Any]:
        if not isinstance(self.object_list, QuerySet) or self.orphans:
            return super().page(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # Django's own refusal
        bottom = (number - 1) * self.per_page
        if number < 1 or bottom >= self.limit:
            return super().page(number)  # refused, or past any end: counted, then a 404
        top = min(bottom + self.per_page, self.limit)
        ids, found = self._sorted_page(bottom, top)
        if found > self.limit:
            ids = self._walked_page(bottom, top)
        elif not ids and not (number == 1 and self.allow_empty_first_page):
            return super().page(number)  # past the end: Django's checks say so
        self.__dict__["count"] = self._capped(found)  # Paginator.count is cached
        rows = self._rows(ids) if ids else []
        # Django's hook for making a page, which the stubs leave out.
        page: Page[Any] = self._get_page(rows, number, self)  # type: ignore[attr-defined]
        return page

    def _sorted_page(self, bottom: int, top: int) -> tuple[list[Any], int]:
        """The ids of matches ``bottom`` to ``top`` in the list's order, and how many there are
        (``limit + 1`` for "more than the limit"): the list's query, unordered and cut at
        ``limit + 1`` rows, selecting the id and the sort keys, sorted around it."""
        queryset = cast("QuerySet[Any]", self.object_list)
        keys: dict[str, Any] = {}
        order = []
        for n, item in enumerate(queryset.query.order_by or queryset.model._meta.ordering):
            if isinstance(item, str):
                expression, descending = F(item.lstrip("-")), item.startswith("-")
            else:  # an OrderBy
                expression, descending = item.expression, item.descending
            keys[f"_key{n}"] = expression
            order.append(f"_key{n}" + (" DESC" if descending else " ASC"))
        matched = (
            queryset.order_by()
            .annotate(_pk=F("pk"), **keys)
            .values_list("_pk", *keys)[: self.limit + 1]
        )
        alias = matched.db
        sql, params = matched.query.get_compiler(using=alias).as_sql()
        with connections[alias].cursor() as cursor:
            cursor.execute(
                f"SELECT _pk, COUNT(*) OVER () FROM ({sql}) matched "
                f"ORDER BY {', '.join(order)} LIMIT %s OFFSET %s",
                [*params, top - bottom, bottom],
            )
            rows = cursor.fetchall()
        return [pk for pk, _ in rows], (rows[0][1] if rows else 0)

    def _rows(self, ids: list[Any]) -> list[Any]:
        """The records of these ids, in this order: rows of ``rows_of`` when the view shapes its
        records from rows (``CompiledPaginator``), model instances otherwise."""
        source = cast("QuerySet[Any]", self.object_list if self.rows is None else self.rows)
        found = source.filter(pk__in=ids).order_by()
        if self.rows_of is None:
            by_id = {record.pk: record for record in found}
        else:
            row = self.rows_of.row_type._make
            listed = compiled.rows(found, columns=self.rows_of.columns)
            # The row type is made from the shape at run time; no type can declare its names.
            by_id = {record.id: record for record in map(row, listed)}  # type: ignore[attr-defined]
        return [by_id[pk] for pk in ids]

    def _walked_page(self, bottom: int, top: int) -> list[Any]:
        """The ids of matches ``bottom`` to ``top``, read by walking the list's order."""
        with search.walking_the_order():
            matches = cast("QuerySet[Any]", self.object_list)
            return list(matches.values_list("pk", flat=True)[bottom:top])


class CompiledPaginator(_Paginator):
    """Django's paginator, which reads a queryset's count with SQL the ORM compiles once per kind
    of list rather than on every request (``tracker.selectors.compiled``), and, given a shape
    (``rows_of``), its page the same way, as rows of that shape (its ``row_type``) rather than
    model instances."""

    def __init__(self, *args: Any, rows_of: Shape | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows_of = rows_of

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return compiled.count(self.object_list)
        counted: int = super().count
        return counted

    def page(self, number: int | str) -> Page[Any]:
        page = super().page(number)
        records, shape = page.object_list, self.rows_of
        if shape is not None and isinstance(records, QuerySet):
            row = shape.row_type._make
            read = compiled.rows(records, columns=shape.columns)
            page.object_list = [row(values) for values in read]
        return page


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    rows_of: Shape | None = None
    max_page_size = settings.MAX_PAGE_SIZE
    last_page_strings = ()

    def get_page_size(self, request: Request) -> int | None:
        size = positive_int(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:  # both are positive whole numbers, and 0 is refused
            parameter["schema"]["minimum"] = 1
        return parameters

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        positive_int(request, self.page_query_param)
        # A view that shapes its records from rows says which (``PageEmbedsMixin.page_rows``).
        self.rows_of = getattr(view, "page_rows", None)
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, object_list: Any, per_page: int) -> _Paginator:  # type: ignore[override]
        # DRF makes its paginator through this attribute: here, one that reads the view's rows.
        return CompiledPaginator(object_list, per_page, rows_of=self.rows_of)


class SearchPagination(Pagination):
    """The pages of a list whose every match is read to sort it, each read with its count
    (``CountingPaginator``, its rows then read from the view's own queryset); the view picks it
    (``SearchPaginationMixin``)."""

    rows: QuerySet[Any] | None = None

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        # A generic view's own queryset (rest_framework.generics imports this module's settings).
        get_queryset = getattr(view, "get_queryset", None)
        self.rows = get_queryset() if get_queryset is not None else None
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, object_list: Any, per_page: int) -> _Paginator:  # type: ignore[override]
        return CountingPaginator(object_list, per_page, rows=self.rows, rows_of=self.rows_of)

    def get_paginated_response(self, data: Any) -> Response:
        """As every list's, with ``count_exact: false`` after ``count`` when the matches were
        more than the count's limit (``CountingPaginator``): ``count`` is then that limit."""
        response = super().get_paginated_response(data)
        page = self.page
        if page is not None and not getattr(page.paginator, "counted_all", True):
            count, *rest = response.data.items()
            response.data = dict([count, ("count_exact", False), *rest])
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        properties = paginated["properties"]
        paginated["properties"] = {
            "count": properties["count"],
            "count_exact": {
                "type": "boolean",
                "example": False,
                "description": "Present, and false, when a search matched more records than "
                "it counts (SEARCH_COUNT_LIMIT, 10,000 by default): `count` is then that "
                "limit, and the pages reach that many records.",
            },
            **{name: value for name, value in properties.items() if name != "count"},
        }
        return paginated


class SearchPaginationMixin:
    """A list view that reads its pages with ``SearchPagination`` when its FilterSet reads every
    match to sort them (``RecordFilterSet.sorts_every_match``: a full-text search), and with its
    ``pagination_class`` otherwise.

    The FilterSet is the one ``tracker.api.filters.FilterBackend`` applied to this request; a
    view's paginator is made at the first page it reads, after its filters.
    """

    pagination_class: type[BasePagination] | None  # as GenericAPIView declares it
    filterset: RecordFilterSet | None = None

    def get_pagination_class(self) -> type[BasePagination] | None:
        searched = self.filterset is not None and self.filterset.sorts_every_match
        return SearchPagination if searched and self.pagination_class else self.pagination_class

    @property
    def paginator(self) -> BasePagination | None:
        if not hasattr(self, "_paginator"):
            pagination_class = self.get_pagination_class()
            self._paginator = None if pagination_class is None else pagination_class()
        return self._paginator


class HistoryPagination(Pagination):
    """A record's history: smaller pages (each entry may carry two versions of every field)."""

    page_size = settings.HISTORY_PAGE_SIZE
    max_page_size = settings.HISTORY_MAX_PAGE_SIZE
