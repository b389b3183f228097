"""One exception handler: every API error is the same JSON shape.

    {"status": 400, "code": "invalid", "detail": "Invalid input.",
     "errors": {"date_from": ["'2022-13' is not a real date (month must be in 1..12)."]}}

``errors`` maps each offending parameter or field to what is wrong with it; it is empty for
errors that concern the request as a whole (404, 401, 405, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field" or "field.sub" or "field[2]": [messages]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(key, int):  # DRF keys a list's item errors by their index
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(_flatten(value, name))
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]}
        flat = {}
        for index, item in enumerate(detail):
            if item:
                flat.update(_flatten(item, f"{prefix}[{index}]"))
        return flat
    return {prefix or "non_field_errors": [str(detail)]}


class PermissionDeniedFor(exceptions.PermissionDenied):
    """A 403 whose ``errors`` name the fields or parameters the user may not use."""

    def __init__(self, detail: str, errors: dict[str, list[str]]):
        super().__init__(detail)
        self.errors = errors


def error_body(
    status_code: int, code: str, detail: str, errors: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"status": status_code, "code": code, "detail": detail, "errors": errors or {}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args[:1])
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = error_body(response.status_code, "invalid", "Invalid input.", _flatten(exc.detail))
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        # A refusal may name the fields at fault too (e.g. a write's links it may not change).
        body = error_body(
            response.status_code, str(code), str(detail), getattr(exc, "errors", None)
        )
        if getattr(exc, "rule", None):  # a workflow's refusal names the rule it applied
            body["rule"] = exc.rule  # type: ignore[attr-defined]
    response.data = body
    return response


def _json_or_default(
    request: HttpRequest,
    status_code: int,
    code: str,
    detail: str,
    default: Callable[[], HttpResponse],
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(status_code, code, detail), status=status_code)
    return default()


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 400 for requests refused before a view (e.g. too many fields): JSON under /api/."""
    return _json_or_default(
        request, 400, "bad_request", "Bad request.",
        # Django's view takes None as well (its stubs say Exception).
        lambda: defaults.bad_request(request, exception),  # type: ignore[arg-type]
    )  # fmt: skip


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 404 for URLs no view answers: JSON under /api/, the usual page elsewhere."""
    return _json_or_default(
        request, 404, "not_found", "Not found.",
        lambda: defaults.page_not_found(request, exception),
    )  # fmt: skip


def server_error(request: HttpRequest) -> HttpResponse:
    return _json_or_default(
        request, 500, "server_error", "Server error.", lambda: defaults.server_error(request)
    )
