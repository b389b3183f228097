"""The OpenAPI document's view of what every operation may answer, beyond its 2xx body.

drf-spectacular documents the success response and the authentication classes; this schema
class adds what the API also does, so that the document (and clients or fuzzers reading it)
know it: the error responses in the one error shape, and that reading needs no credentials.
"""

from __future__ import annotations

from typing import Any, Literal

from drf_spectacular import openapi
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import permissions, serializers

from tracker.api.as_of import AsOfMixin, AsOfParameters


@extend_schema_serializer(many=False)  # never wrapped in a page, even on a list operation
class ErrorSerializer(serializers.Serializer[Any]):
    """The one error shape of ``tracker.api.exceptions``."""

    status = serializers.IntegerField(help_text="The HTTP status code, repeated.")
    code = serializers.CharField(help_text="e.g. invalid, not_found, throttled")
    detail = serializers.CharField()
    # A declared field: the serializer's metaclass takes it out of the class, so it does not
    # hide Serializer.errors (which the stubs cannot tell).
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Each bad parameter or field with what is wrong with it; empty otherwise.",
    )


ERRORS = {
    "400": "Bad input: `errors` names each parameter or field and what is wrong with it.",
    "401": "No credentials, or wrong ones (send `Authorization: Token <key>`).",
    "403": "The account may not make this change (or read this: a reader asking for a "
    "`state` other than published or retracted). `rule` names a workflow rule it broke.",
    "404": "No such object (or a page past the last).",
    "413": "The request body is over the size limit.",
    "409": "The record cannot be deleted: other records refer to it (the detail says which); or "
    "the workflow has no such transition (`rule` names the rule).",
    "412": "`If-Match` is not the record's current ETag: someone changed it since; read it again.",
    "414": "The query string is over the length limit.",
    "428": "`If-Match` is missing: send the ETag of the record as you read it.",
    "429": "Too many requests: `Retry-After` says how many seconds to wait.",
}


class AutoSchema(openapi.AutoSchema):
    def _error_codes(self) -> list[str]:
        takes_query = bool(self._get_filter_parameters() or self._get_pagination_parameters())
        takes_query = takes_query or any(
            parameter.get("in") == "query" for parameter in self._get_parameters()
        )
        writes = self.method not in permissions.SAFE_METHODS
        codes = ["429"] if self.view.throttle_classes else []  # the health check is never throttled
        if takes_query or writes:
            codes += ["400", "414"]
        if writes:
            codes += ["401", "403", "413"]
        elif "state" in {parameter.get("name") for parameter in self._get_filter_parameters()}:
            codes.append("403")  # a reader asking for drafts (tracker.api.filters)
        if writes and "{" in self.path:  # a change to a stored record is conditional
            codes += ["412", "428"]
        if self.method in ("DELETE", "PUT", "PATCH") and "{" in self.path:
            codes.append("409")  # still referred to; a transition the workflow refuses
        if self._get_paginator() or "{" in self.path:
            codes.append("404")
        return sorted(codes)

    def _get_response_bodies(
        self, direction: Literal["request", "response"] = "response"
    ) -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        # A format of tracker.api.formats has its own body, not the JSON list's.
        success = next((code for code in ("200", "201") if code in responses), None)
        content = responses.get(success, {}).get("content", {}) if success else {}
        # The document keys them by media type without parameters: the annotations' JSON-LD
        # (with a profile) and the ClaimReview JSON-LD share application/ld+json.
        bodies: dict[str, list[dict[str, Any]]] = {}
        for renderer in self.view.get_renderers():
            schema = getattr(renderer, "openapi_schema", None)
            media_type = renderer.media_type.split(";")[0].strip()
            if schema is not None and media_type in content:
                bodies.setdefault(media_type, []).append(schema)
        for media_type, schemas in bodies.items():
            schema = schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
            content[media_type] = {"schema": schema}
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                responses[code] = {**response, "description": ERRORS[code]}
        return responses

    def get_override_parameters(self) -> list[Any]:
        parameters: list[Any] = super().get_override_parameters()
        # Every read that takes as_of (tracker.api.as_of) documents it from its serializer.
        if (
            self.method in permissions.SAFE_METHODS
            and isinstance(self.view, AsOfMixin)
            and getattr(self.view, "action", None) != "history"
        ):
            parameters.append(AsOfParameters)
        return parameters

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            # Every query parameter is optional and an empty value means "not given"
            # (?kind=&q= is the whole list), which OpenAPI says with allowEmptyValue.
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
                # drf-spectacular marks a serializer's choice that may not be blank with
                # minLength 1; as a query parameter, empty is allowed (it means "not given").
                if parameter["schema"].get("minLength") == 1:
                    del parameter["schema"]["minLength"]
        return operation

    def get_auth(self) -> list[dict[str, Any]]:
        auths = super().get_auth()
        # DjangoModelPermissionsOrAnonReadOnly lets anyone read: a safe method needs no
        # credentials, which OpenAPI says with an empty requirement.
        perms = [type(p) for p in self.view.get_permissions()]
        anonymous_reads = any(
            issubclass(p, permissions.DjangoModelPermissionsOrAnonReadOnly) for p in perms
        )
        if anonymous_reads and self.method in permissions.SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths
