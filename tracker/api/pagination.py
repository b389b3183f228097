"""The one pagination class: ``page`` and ``page_size``, the size capped quietly at MAX_PAGE_SIZE.

A ``page`` or ``page_size`` that is not a positive whole number is a 400 naming the parameter;
a page past the end is a 404 (both in the shape of the exception handler). A search that reads
every match to sort it reads its pages with their count (``SearchPagination``, which a view
picks through ``SearchPaginationMixin``); the parameters and answers are the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.paginator import Page
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import Count, QuerySet, Window
from django.utils.functional import cached_property
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.views import APIView

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


_LARGEST_OFFSET = 2**63 - 1  # a database's OFFSET is a 64-bit integer
_MATCHES = "matches_counted_with_page"  # the window count's name, within the paginator only


class CountingPaginator(_Paginator):
    """Django's paginator, which reads a page in two steps instead of a count and a page: the ids
    of the page's rows, each with a window count over every match, then those rows.

    This is for queries that must read every match to sort them anyway (a full-text search: see
    ``RecordFilterSet.sorts_every_match``): the first step reads them once, narrowly (the sort
    key and the id, nothing joined), where a separate count would read them a second time and a
    page query would sort them with every column and join (figures in docs/benchmarks.md). The
    second step finds its rows by primary key. An empty page costs the separate count after all
    when it is not the first (Django's checks then say whether it lies past the end); an empty
    first page means there is nothing to count.
    """

    def page(self, number: int | str) -> Page[Any]:
        if not isinstance(self.object_list, QuerySet) or self.orphans:
            return super().page(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # Django's own refusal
        bottom = (number - 1) * self.per_page
        if number < 1 or bottom + self.per_page > _LARGEST_OFFSET:
            return super().page(number)  # refused, or past any end: counted, then a 404
        counted = self.object_list.annotate(**{_MATCHES: Window(Count("pk"))}).values_list(
            "pk", _MATCHES
        )[bottom : bottom + self.per_page]
        ids, counts = zip(*counted, strict=True) if counted else ((), ())
        if ids or (number == 1 and self.allow_empty_first_page):
            self.__dict__["count"] = counts[0] if counts else 0  # Paginator.count is cached
            rows = list(self.object_list.filter(pk__in=ids)) if ids else []
            # Django's hook for making a page, which the stubs leave out.
            page: Page[Any] = self._get_page(rows, number, self)  # type: ignore[attr-defined]
            return page
        return super().page(number)


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
            read = compiled.rows(records.values_list(*shape.columns))
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
    (``CountingPaginator``); the view picks it (``SearchPaginationMixin``)."""

    django_paginator_class = CountingPaginator


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
