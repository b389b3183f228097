"""Query parameters: one a view does not read is a 400 naming it, never silently ignored.

A misspelt filter (``?stauts=disputed``, ``?attested=false`` on a server that has no such
filter) must not answer the unfiltered list as if it had been applied. A view's known
parameters are those its parts read: its FilterSet's filters, its pagination's, its stats
parameters' fields, ``format``, and any it names in ``extra_query_parameters``.
"""

from __future__ import annotations

from rest_framework.exceptions import ValidationError

SAFE_METHODS = ("GET", "HEAD")


class KnownParametersMixin:
    extra_query_parameters: frozenset[str] = frozenset()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in SAFE_METHODS:
            unknown = sorted(set(request.query_params) - self.known_query_parameters())
            if unknown:
                raise ValidationError(
                    {
                        name[:60]: [
                            "Unknown parameter: this endpoint does not take it (see the "
                            "OpenAPI document for the ones it does)."
                        ]
                        for name in unknown
                    }
                )

    def known_query_parameters(self) -> set[str]:
        known = {"format", *self.extra_query_parameters}
        filterset = getattr(self, "filterset_class", None)
        if filterset is not None:
            known |= set(filterset.base_filters)
        # The class, not the view's paginator: that is made once the filters have said which
        # pagination the list needs (tracker.api.pagination.SearchPaginationMixin).
        pagination = getattr(self, "pagination_class", None)
        if pagination is not None:
            known |= {pagination.page_query_param, pagination.page_size_query_param}
        parameters = getattr(self, "parameters_class", None)
        if parameters is not None:
            known |= set(parameters().fields)
        return known
