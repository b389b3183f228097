"""The base viewset of every record: reads, and writes guarded against lost updates.

``CuratedViewSet`` serves a record's list and detail, its writes (create, replace, update and
delete through ``write_serializer_class``, which calls ``tracker.services``) and its history.

A detail carries an ``ETag`` (``tracker.api.conditional.etag_for`` of its representation).
``PUT``, ``PATCH`` and ``DELETE`` must send it back in ``If-Match``: without it the answer is
428, with a stale one 412, and nothing is written. Each write runs in one transaction, and the
If-Match check runs inside it, under the write's lock: on PostgreSQL the record's row is locked
first (``select_for_update``); on SQLite the transaction itself starts with ``BEGIN IMMEDIATE``
(``transaction_mode`` in the settings), which takes the database's write lock before the check
reads anything. Either way, of two curators saving the same version at the same moment the
second waits, then finds the ETag changed and gets the 412.

``GET <detail>/history/`` lists the record's history, newest first, with what each change did.

Reads keep to what the user may read (``tracker.visibility``): readers get published and
retracted records only, in lists, details, exports and history; curators get every state. A
``PATCH`` (or ``PUT``) that changes ``state`` is a transition (``services.transition``) under the
same ``If-Match`` rule: it carries ``state`` and ``rationale`` and nothing else it would change.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import transaction
from django.db.models import Model, ProtectedError
from django.http import Http404, QueryDict
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from tracker import history, record_version, services, visibility
from tracker.api import parsers
from tracker.api.conditional import (
    PreconditionFailed,
    check_if_match,
    etag_for,
    request_origin,
)
from tracker.api.exceptions import PermissionDeniedFor
from tracker.api.history_serializers import HistoryEntrySerializer, HistoryPageSerializer
from tracker.api.pagination import HistoryPagination, SearchPaginationMixin
from tracker.api.parameters import KnownParametersMixin
from tracker.api.schema import ErrorSerializer
from tracker.api.write_serializers import RecordWriteSerializer
from tracker.visibility import VisibleRecordsMixin

_Viewset = TypeVar("_Viewset", bound=type)
POSITIVE = {"type": "integer", "minimum": 1}
# What the browsable API's forms post besides the fields: the CSRF token, and the raw-data
# form's media type (its ``_content`` is read as the body).
FORM_ONLY_FIELDS = frozenset({"csrfmiddlewaretoken", "_content_type", "_content"})


class Conflict(APIException):
    status_code = 409
    default_code = "protected"


class WorkflowRefused(APIException):
    """A transition the workflow refuses (409) or the user may not make (403); the body names
    the rule (``rule``) and the field (``errors: {"state": [...]}``)."""

    def __init__(self, error: services.WorkflowError) -> None:
        super().__init__(error.message, code=error.rule)
        self.status_code = error.status
        self.rule = error.rule
        self.errors = {"state": [error.message]}


def _protected_detail(model: type[Model], error: ProtectedError) -> str:
    counts: dict[str, int] = {}
    for obj in error.protected_objects:
        name = str(obj._meta.verbose_name_plural)
        counts[name] = counts.get(name, 0) + 1
    refs = " and ".join(f"{count} {name}" for name, count in sorted(counts.items()))
    return f"This {model._meta.verbose_name} cannot be deleted: {refs} refer to it."


class CuratedViewSet(
    VisibleRecordsMixin, KnownParametersMixin, SearchPaginationMixin, viewsets.ModelViewSet[Any]
):
    """The read views plus writes through ``write_serializer_class`` and ``delete_service``.

    A list searched in full text is read with the pagination that counts its matches with the
    page (``SearchPaginationMixin``)."""

    def known_query_parameters(self) -> set[str]:
        known = super().known_query_parameters()
        return known | {"full"} if self.action == "history" else known

    # Each viewset of a record sets both (the base is never routed).
    write_serializer_class: type[RecordWriteSerializer]
    delete_service: Callable[..., None]  # services.<kind>_delete(<kind>=record, by=, reason=)
    history_renames: dict[str, str] = {}  # model field -> API field in history entries

    # --- reads ------------------------------------------------------------------------------

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = etag_for(response.data, request_origin(request))
        return response

    def _detail(
        self, pk: int, status_code: int = status.HTTP_200_OK, headers: dict[str, str] | None = None
    ) -> Response:
        """The read representation of a record just written, with its new ETag."""
        instance = self.get_queryset().get(pk=pk)
        data = self.get_serializer(instance).data
        return Response(
            data,
            status=status_code,
            headers={"ETag": etag_for(data, request_origin(self.request)), **(headers or {})},
        )

    # --- writes -----------------------------------------------------------------------------

    def get_write_serializer(self, *args: Any, **kwargs: Any) -> RecordWriteSerializer:
        context = kwargs.setdefault("context", self.get_serializer_context())
        context["reason"] = "api"  # the change reason the history records
        # A client may send back what it read (GET, edit, PUT): those names are not unknown.
        read_serializer = cast("type[Serializer[Any]]", self.get_serializer_class())
        context["read_fields"] = set(read_serializer().fields)
        return self.write_serializer_class(*args, **kwargs)

    def write_data(self, request: Request) -> Any:
        """The fields of a write: the JSON body, or the browsable API's form without the fields
        only the form has (its CSRF token; a blank slug, which means "make one"), or the JSON of
        its raw-data form (``_content``) when the browser posts that without script."""
        data = request.data
        if not isinstance(data, QueryDict):
            return data
        if "_content" in data:
            content = str(data["_content"]).encode()  # the last value given: text
            try:
                return parsers.JSONParser().parse(io.BytesIO(content), "application/json")
            except ParseError as error:
                raise ValidationError({"_content": [str(error.detail)]}) from None
        fields = {name: data.getlist(name) for name in data if name not in FORM_ONLY_FIELDS}
        if fields.get("slug") == [""]:
            del fields["slug"]
        form = QueryDict(mutable=True)
        for name, values in fields.items():
            form.setlist(name, values)
        return form

    @transaction.atomic
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_write_serializer(data=self.write_data(request))
        serializer.is_valid(raise_exception=True)
        instance = serializer.save()
        response = self._detail(instance.pk, status.HTTP_201_CREATED)
        response["Location"] = response.data["url"]
        return response

    @transaction.atomic
    def update(
        self, request: Request, *args: Any, partial: bool = False, **kwargs: Any
    ) -> Response:
        instance = self._current(request)
        data = self.write_data(request)
        if self._transition(request, instance, data):
            return self._detail(instance.pk)
        serializer = self.get_write_serializer(instance, data=data, partial=partial)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return self._detail(instance.pk)

    def _transition(self, request: Request, instance: Model, data: Any) -> bool:
        """Move ``instance`` to the ``state`` the body asks for, if it asks for another one
        (a body sending back the state it read changes nothing). Returns whether it moved."""
        if not hasattr(data, "get") or "state" not in data:
            return False
        to = data.get("state")
        if to == getattr(instance, "state", None):
            return False
        # What the serializer would call unknown, a content field changed with the state: a
        # transition is a write of its own.
        read = set(self.detail_serializer().fields)
        others = sorted(
            str(name)
            for name in data
            if name not in {"state", "rationale"}
            and (name not in read or self._changes(instance, name, data.get(name)))
        )
        if others:
            raise ValidationError(
                {
                    name: [
                        "A change of state is a write of its own: send state and rationale only."
                    ]
                    for name in others
                }
            )
        if not isinstance(to, str):
            raise ValidationError({"state": ["Expected a state's name (text)."]})
        rationale = data.get("rationale", "")
        if not isinstance(rationale, str):
            raise ValidationError({"rationale": ["Expected text."]})
        try:
            services.transition(
                record=instance, to=to, rationale=rationale, by=request.user, reason="api"
            )
        except services.WorkflowError as error:
            raise WorkflowRefused(error) from None
        return True

    def _changes(self, instance: Model, name: str, value: Any) -> bool:
        """Whether ``value`` differs from what the record's representation shows for ``name``."""
        shown = getattr(self, "_shown", None)
        if shown is None:
            shown = self._shown = self.get_serializer(self.get_object()).data
        return bool(shown.get(name) != value)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @transaction.atomic
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self._current(request)
        model = type(instance)
        try:
            kind = str(model._meta.model_name)  # set on every concrete model
            self.delete_service(**{kind: instance}, by=request.user, reason="api")
        except ProtectedError as error:
            raise Conflict(_protected_detail(model, error)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _current(self, request: Request) -> Model:
        """The record to write, locked for this transaction, if ``If-Match`` names its version.

        404 if there is no such record, then 428 or 412 (RFC 9110 evaluates preconditions once
        the target is known), and only then is the body validated.
        """
        model: type[Model] = self.get_queryset().model
        pk = self._pk()
        record_version.lock()  # before any row lock: see tracker.record_version
        # Lock the row (PostgreSQL): a concurrent write of the same record waits for this one.
        # SQLite has no row locks: this transaction began IMMEDIATE, so it holds the write lock.
        if not model._default_manager.select_for_update().filter(pk=pk).values_list("pk").exists():
            raise Http404(f"No {model._meta.object_name} matches the given query.")
        shown = self.get_object()
        check_if_match(request, etag_for(self.get_serializer(shown).data, request_origin(request)))
        # The services get the plain record, not the one loaded with the read's prefetches.
        return model._default_manager.get(pk=pk)

    def _pk(self) -> int:
        raw = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        if not str(raw).isascii() or not str(raw).isdigit():
            raise Http404(f"No {self.get_queryset().model._meta.object_name} matches the query.")
        return int(raw)

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if isinstance(exc, PreconditionFailed):
            response["ETag"] = exc.current
        return response

    # --- history ----------------------------------------------------------------------------

    @extend_schema(
        summary="The record's history",
        description="Every change, newest first: when, who (null for a script), "
        "created/changed/deleted, and each field's old and new value. Still served after "
        "the record is deleted. A reader who may not change the record sees only the fields "
        "its representation shows, and people named by a public label; a text longer than "
        "HISTORY_TEXT_INLINE_MAX characters comes as {length, sha256}.",
        parameters=[
            # Positive whole numbers, as for every list (tracker.api.pagination refuses 0).
            OpenApiParameter("page", POSITIVE, description="Page number."),
            OpenApiParameter("page_size", POSITIVE, description="Entries per page (capped)."),
            OpenApiParameter(
                "full",
                bool,
                description="true: long texts whole rather than summarized (curators only).",
            ),
        ],
        responses={
            200: HistoryPageSerializer,
            403: OpenApiResponse(ErrorSerializer, description="full=true from a non-curator."),
        },
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        serializer_class=HistoryEntrySerializer,
        pagination_class=HistoryPagination,
    )
    def history(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        model = self.get_queryset().model
        pk = self._pk()
        curator = self._may_change(request, model)
        full = self._full(request, curator)
        rows = history.history_queryset(model, pk)
        if self.readers:
            # A reader sees the versions readers could read (a draft's edits are not public)
            # of a record readers may read now, or that readers could read when it was deleted.
            if model.objects.filter(pk=pk).exclude(visibility.reader_filter()).exists():
                raise Http404(f"No {model._meta.object_name} matches the given query.")
            rows = rows.filter(visibility.reader_filter())
        page = self.paginate_queryset(rows)
        if not page and not model.objects.filter(pk=pk).exists():
            raise Http404(f"No {model._meta.object_name} matches the given query.")
        entries = history.for_reader(
            history.entries(model, page or [], renames=self.history_renames),
            # What the reader may read of the record is what its representation shows.
            fields=None if curator else set(self.detail_serializer().fields),
            who=None if curator else settings.HISTORY_PUBLIC_LABEL,
            long_text=None if full else settings.HISTORY_TEXT_INLINE_MAX,
        )
        return self.get_paginated_response(HistoryEntrySerializer(entries, many=True).data)

    def detail_serializer(self) -> Serializer[Any]:
        """The serializer of the record's detail (``retrieve``), whatever the current action."""
        return cast("type[Serializer[Any]]", type(self).serializer_class)()

    @staticmethod
    def _may_change(request: Request, model: type[Model]) -> bool:
        """A curator of this kind of record: who may change it may read all of its history."""
        opts = model._meta
        return bool(request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}"))

    @staticmethod
    def _full(request: Request, curator: bool) -> bool:
        raw = request.query_params.get("full") or "false"  # empty: not given
        if raw not in {"true", "false"}:
            raise ValidationError({"full": [f"'{raw[:40]}' is not true or false."]})
        if raw == "true" and not curator:
            raise PermissionDeniedFor(
                "Only curators may read long texts whole.",
                {"full": ["Only a user who may change this record may ask for full values."]},
            )
        return raw == "true"


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    location=OpenApiParameter.HEADER,
    required=True,
    description="The ETag of the record from a GET; 428 without it, 412 if it is stale.",
)


def curated_schema(
    write_serializer: type[Serializer[Any]], read_serializer: type[Serializer[Any]]
) -> Callable[[_Viewset], _Viewset]:
    """OpenAPI for the write methods: the write body in, the read representation out."""
    return extend_schema_view(
        create=extend_schema(request=write_serializer, responses={201: read_serializer}),
        update=extend_schema(
            request=write_serializer, responses=read_serializer, parameters=[IF_MATCH]
        ),
        partial_update=extend_schema(
            request=write_serializer, responses=read_serializer, parameters=[IF_MATCH]
        ),
        destroy=extend_schema(parameters=[IF_MATCH], responses={204: None}),
    )
