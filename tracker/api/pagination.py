"""The one pagination class: ``page`` and ``page_size``, the size capped quietly at MAX_PAGE_SIZE.

A ``page`` or ``page_size`` that is not a positive whole number is a 400 naming the parameter;
a page past the end is a 404 (both in the shape of the exception handler).
"""

from django.conf import settings
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


def positive_int(request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise ValidationError({name: [f"'{raw[:40]}' is not a positive whole number."]})
    return int(raw)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = settings.MAX_PAGE_SIZE
    last_page_strings = ()

    def get_page_size(self, request):
        size = positive_int(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:  # both are positive whole numbers, and 0 is refused
            parameter["schema"]["minimum"] = 1
        return parameters

    def paginate_queryset(self, queryset, request, view=None):
        positive_int(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)
