"""Limits on the size of an API request: a body above ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a 413 and
a query string above ``MAX_QUERY_STRING`` a 414, both refused before any view runs, in the one
error shape. (Request rates are in ``tracker.api.throttling``.)
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from tracker.api.exceptions import error_body


class RequestLimitsMiddleware:
    """Refuse an oversized API request before it is read: 413 for the body, 414 for the query.

    Django checks ``DATA_UPLOAD_MAX_MEMORY_SIZE`` only when a form body is read through
    ``request.body``/``request.POST``; DRF's parsers read the stream directly, so the API
    checks the declared length here. Outside ``/api/`` Django's own checks apply.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            refusal = self.refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def refusal(self, request: HttpRequest) -> JsonResponse | None:
        query = request.META.get("QUERY_STRING", "")
        if len(query) > settings.MAX_QUERY_STRING:
            detail = (
                f"The query string is {len(query)} characters long; the limit is "
                f"{settings.MAX_QUERY_STRING}."
            )
            return JsonResponse(error_body(414, "uri_too_long", detail), status=414)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            detail = "The Content-Length header is not a number."
            return JsonResponse(error_body(400, "invalid_content_length", detail), status=400)
        if limit is not None and length > limit:
            detail = f"The request body is {length} bytes; the limit is {limit}."
            return JsonResponse(error_body(413, "request_too_large", detail), status=413)
        return None
