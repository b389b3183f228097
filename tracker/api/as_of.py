"""``as_of``: any read answered with the record as readers saw it at a past moment.

The moment is validated here (a 400 naming ``as_of`` otherwise); the view then runs as it
always does, its reads of the record's tables sent to the moment's snapshot
(``tracker.as_of``), so filters, embeds, search, stats and every format answer as of it.
An answer says which moment it shows (RFC 7089, Memento): ``Memento-Datetime``, a ``Link`` to
the current resource (``rel="original"``) and, in a list's envelope, ``as_of``. An answer about
a settled past moment (``AS_OF_SETTLED`` seconds ago or more) never changes, so it is cacheable
forever (``immutable``). A record's history already dates each entry and takes no ``as_of``.
"""

from __future__ import annotations

import datetime
import re
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import http_date
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from tracker import as_of

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from rest_framework.generics import GenericAPIView

    _View = GenericAPIView[Any]
else:
    _View = object

PARAMETER = "as_of"
SAFE_METHODS = ("GET", "HEAD")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
# A "+" left unencoded in a query string arrives as a space: "...T12:00:00 02:00".
_SPACED_OFFSET = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")
FOREVER = 365 * 24 * 3600


# What the document says a moment looks like; a value of that form may still be no real moment
# (2024-02-30) or one still to come, which only the server can tell.
PATTERN = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$"


@extend_schema_field({"type": "string", "pattern": PATTERN, "example": "2024-05-01T12:00:00Z"})
class MomentField(serializers.Field):  # type: ignore[type-arg]
    """A past moment: a date (the end of that day, UTC) or a date and time with its offset."""

    default_error_messages = {
        "invalid": (
            "Enter a date (YYYY-MM-DD: the end of that day, UTC) or a date and time with its "
            "offset (e.g. 2024-05-01T12:00:00Z or 2024-05-01T12:00:00+02:00)."
        ),
        "naive": "Give the time's offset from UTC (e.g. 2024-05-01T12:00:00Z).",
        "unreal": "'{value}' is not a real moment ({reason}).",
        "future": "The record is known up to now; this moment is still to come.",
    }

    def to_internal_value(self, data: Any) -> datetime.datetime:
        text = _SPACED_OFFSET.sub(r"\1+\2", str(data).strip())
        if _NAIVE.fullmatch(text):
            self.fail("naive")
        if not re.fullmatch(PATTERN, text):
            self.fail("invalid")
        try:
            if _DATE.match(text):
                day = datetime.date.fromisoformat(text)
                moment = datetime.datetime.combine(day, datetime.time.max, tzinfo=datetime.UTC)
            else:
                moment = datetime.datetime.fromisoformat(text)
        except (ValueError, OverflowError) as error:
            self.fail("unreal", value=text[:40], reason=str(error)[:80])
        if moment.tzinfo is None or moment.utcoffset() is None:
            self.fail("naive")
        if moment > timezone.now():
            self.fail("future")
        return moment.astimezone(datetime.UTC)

    def to_representation(self, value: datetime.datetime) -> str:
        return value.isoformat().replace("+00:00", "Z")


class AsOfParameters(serializers.Serializer):  # type: ignore[type-arg]
    as_of = MomentField(
        required=False,
        help_text=(
            "Answer with the record as readers saw it at this moment: a date (the end of that "
            "day, UTC) or a date and time with its offset."
        ),
    )


def _streamed(content: Iterable[bytes], alias: str, hold: ExitStack) -> Iterator[bytes]:
    """A streamed body read from the snapshot ``alias``, held until the stream ends or closes.
    The snapshot is read only while a chunk is being made, never between chunks."""
    try:
        chunks = iter(content)
        while True:
            with as_of.reading(alias):
                chunk = next(chunks, None)
            if chunk is None:
                return
            yield chunk
    finally:
        hold.close()


class AsOfMixin(_View):
    """A read view that takes ``as_of``. First among a view's bases: the moment must be chosen
    before anything (the record version of ``CachingMixin`` included) is read."""

    as_of: datetime.datetime | None = None

    def known_query_parameters(self) -> set[str]:
        known: set[str] = super().known_query_parameters()  # type: ignore[misc]
        return known if getattr(self, "action", None) == "history" else known | {PARAMETER}

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self.as_of = None
        self._as_of_hold = ExitStack()
        self._as_of_token: Any = None
        try:
            response = super().dispatch(request, *args, **kwargs)
            alias = as_of.current_alias()
            if alias is not None and isinstance(response, StreamingHttpResponse):
                # A sync view's stream (the only kind here) is a plain iterator.
                content = cast("Iterable[bytes]", response.streaming_content)
                response.streaming_content = _streamed(content, alias, self._as_of_hold.pop_all())
            elif alias is not None and hasattr(response, "render"):
                response.render()  # while the snapshot is read and held
            return response
        finally:
            if self._as_of_token is not None:
                as_of.stop_reading(self._as_of_token)
            self._as_of_hold.close()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Empty is "not given", as for every parameter (OpenAPI's allowEmptyValue).
        if request.query_params.get(PARAMETER) and getattr(self, "action", None) != "history":
            self._enter_moment(request)
        super().initial(request, *args, **kwargs)

    def _enter_moment(self, request: Request) -> None:
        method = (request.method or "").lower()
        if request.method not in SAFE_METHODS:
            if method == "options" or not hasattr(self, method):
                return  # the view's metadata, or a method it does not allow (a 405 follows)
            raise serializers.ValidationError(
                {PARAMETER: ["Only reads take as_of: a write changes the record as it is now."]}
            )
        parameters = AsOfParameters(data={PARAMETER: request.query_params[PARAMETER]})
        parameters.is_valid(raise_exception=True)
        self.as_of = parameters.validated_data[PARAMETER]
        held = self._as_of_hold.enter_context(as_of.snapshot(self.as_of))
        self._as_of_token = as_of.start_reading(held.alias)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        moment = self.as_of
        if (
            moment is not None
            and isinstance(response, Response)
            and isinstance(response.data, dict)
            and "results" in response.data
        ):
            response.data[PARAMETER] = MomentField().to_representation(moment)
        response = super().finalize_response(request, response, *args, **kwargs)
        if moment is None or response.status_code not in (200, 304):
            return response
        response["Memento-Datetime"] = http_date(moment.timestamp())
        original = {
            name: values for name, values in request.query_params.lists() if name != PARAMETER
        }
        url = request.build_absolute_uri(request.path)
        if original:
            url += "?" + urlencode(original, doseq=True)
        link = f'<{url}>; rel="original"'
        if not response.has_header("Link"):
            response["Link"] = link
        elif link not in response["Link"]:  # a kept answer (record_cache) has it already
            response["Link"] = f"{response['Link']}, {link}"
        if as_of.settled(moment):
            # As any read (tracker.api.caching): a signed-in user's copy is theirs alone.
            user = getattr(request, "user", None)
            scope = "private" if user is not None and user.is_authenticated else "public"
            response["Cache-Control"] = f"{scope}, max-age={FOREVER}, immutable"
        return response
