"""The one pagination class: ``page`` and ``page_size``, the size capped quietly at MAX_PAGE_SIZE.

A ``page`` or ``page_size`` that is not a positive whole number is a 400 naming the parameter;
a page past the end is a 404 (both in the shape of the exception handler).
"""

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.paginator import Page
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.views import APIView

if TYPE_CHECKING:  # Django's Paginator is generic in its stubs only
    _DjangoPaginator = DjangoPaginator[Any]
else:
    _DjangoPaginator = DjangoPaginator


def positive_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise ValidationError({name: [f"'{raw[:40]}' is not a positive whole number."]})
    return int(raw)


# The name of an annotation, a window count over every row, that gives a queryset's count with
# each of its rows: a page of such a queryset is read with its count in one query.
COUNT_WITH_PAGE = "count_with_page"
_LARGEST_OFFSET = 2**63 - 1  # a database's OFFSET is a 64-bit integer


class Paginator(_DjangoPaginator):
    """Django's paginator, which reads the page of a queryset annotated with ``COUNT_WITH_PAGE``
    in two steps instead of a count and a page: the ids of the page's rows with the count, then
    those rows.

    This is for queries that must read every match to sort them anyway (a full-text search: see
    ``tracker.api.filters``): the first step reads them once, narrowly (the sort key and the id,
    nothing joined), where a separate count would read them a second time and a page query would
    sort them with every column and join (for 5,100 matching claims: 12.5 + 32 ms as a count and
    a page, 20 + 2 ms in these two steps). The second step finds its rows by primary key. An
    empty page costs the separate count after all when it is not the first (Django's checks then
    say whether it lies past the end); an empty first page means there is nothing to count.
    """

    def page(self, number: int | str) -> Page[Any]:
        query = getattr(self.object_list, "query", None)
        if query is None or COUNT_WITH_PAGE not in query.annotations or self.orphans:
            return super().page(number)
        assert isinstance(self.object_list, QuerySet)  # only a queryset has a query
        try:
            number = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # Django's own refusal
        bottom = (number - 1) * self.per_page
        if number < 1 or bottom + self.per_page > _LARGEST_OFFSET:
            return super().page(number)  # refused, or past any end: counted, then a 404
        counted = self.object_list.values_list("pk", COUNT_WITH_PAGE)[
            bottom : bottom + self.per_page
        ]
        ids, counts = zip(*counted, strict=True) if counted else ((), ())
        if ids or (number == 1 and self.allow_empty_first_page):
            self.__dict__["count"] = counts[0] if counts else 0  # Paginator.count is cached
            rows = list(self.object_list.filter(pk__in=ids)) if ids else []
            # Django's own hook for making a page (not in its stubs).
            return self._get_page(rows, number, self)  # type: ignore[attr-defined, no-any-return]
        return super().page(number)


class Pagination(PageNumberPagination):
    django_paginator_class = Paginator
    page_size_query_param = "page_size"
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
        return super().paginate_queryset(queryset, request, view)


class HistoryPagination(Pagination):
    """A record's history: smaller pages (each entry may carry two versions of every field)."""

    page_size = settings.HISTORY_PAGE_SIZE
    max_page_size = settings.HISTORY_MAX_PAGE_SIZE
