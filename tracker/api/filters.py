"""FilterSets: one per list, each parameter documented in the OpenAPI schema.

Every list's FilterSet derives from ``RecordFilterSet``, which declares the text search ``q``
once; its ``ordering`` (an ``OrderingFilter``) holds the list's whole order.

Date windows (``date_from``/``date_to``, ``stated_from``/``stated_to``) take ``YYYY``,
``YYYY-MM`` or ``YYYY-MM-DD`` and match a record whose [start, end] overlaps the window.
A slug that names no record is a 400 naming the parameter, so a typo is never mistaken for
"nothing happened".
"""

from __future__ import annotations

import copy
import datetime
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, ClassVar

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, Max, Model, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import HttpRequest, QueryDict
from django_filters.fields import BaseCSVField
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import extend_schema_field
from rest_framework.views import APIView

from tracker import dates, search, visibility
from tracker.api.exceptions import PermissionDeniedFor
from tracker.dates import Precision
from tracker.models import (
    Actor,
    ActorKind,
    Claim,
    ClaimKind,
    ClaimStatus,
    Event,
    EventActor,
    ReviewState,
    Source,
    Tag,
    validate_wikidata,
)
from tracker.selectors import compiled, querysets, version

# The (first, last) day a date filter's value covers.
Window = tuple[datetime.date, datetime.date]


class WindowDateField(forms.CharField):
    """A form field for YYYY, YYYY-MM or YYYY-MM-DD; cleans to the (first, last) day it covers."""

    # Read as text (a CharField's input), cleaned to the days it covers, not to a str.
    def to_python(self, value: Any) -> Window | None:  # type: ignore[override]
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return dates.window(value)
        except ValidationError as error:
            # The message quotes the client's value, which may hold a "%": pass it as a
            # parameter, since the message itself is %-formatted on its way out.
            raise forms.ValidationError(
                "%(reason)s", code="invalid", params={"reason": error.messages[0]}
            ) from None


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$", "example": "2022-07"}
)
class WindowFilter(filters.Filter):
    """One end of an overlap window over a pair of columns ``<prefix>_start``/``<prefix>_end``."""

    field_class = WindowDateField

    def __init__(self, *args: Any, prefix: str, end: str, **kwargs: Any) -> None:
        self.prefix, self.end = prefix, end
        self.span = f"{prefix}_span"  # used when the model stores it (see ``filter``)
        kwargs.setdefault(
            "help_text",
            f"{'Start' if end == 'from' else 'End'} of the window (YYYY, YYYY-MM or YYYY-MM-DD); "
            "records whose dates overlap it match.",
        )
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: Window | None) -> QuerySet[Any]:
        if value is None:
            return qs
        first, last = value
        if self.end == "from":  # the record ends on or after the window's first day
            qs = qs.filter(**{f"{self.prefix}_end__gte": first})
            longest = self._longest_span(qs.model, qs.db)
            if longest is not None:
                # Same rows, but a start bounded on both sides lets the (start) index range-scan
                # instead of reading every record from the first one.
                # Clamped: a record dated 0001/2022 makes the longest span reach past year 1.
                earliest = dates.days_before(first, longest)
                qs = qs.filter(**{f"{self.prefix}_start__gte": earliest})
            return qs
        return qs.filter(**{f"{self.prefix}_start__lte": last})  # starts by its last day

    def _longest_span(self, model: type[Model], using: str) -> int | None:
        """The longest [start, end] of the model in days (an indexed MAX), if it stores them.

        Read once per record version when the request read the version on this database (a
        list's JSON, CSV and other cached formats do, ``caching.CachingMixin``): every write
        moves the version, so the next request after a write reads it again. Like the data, the
        span is read after the version: a write landing in between makes both the newer
        record's, and the request's tags too old (``caching.CachingMixin``), never stale."""
        if not any(field.name == self.span for field in model._meta.concrete_fields):
            return None

        def longest() -> int:
            # Its SQL kept per worker: building and compiling it took 0.3 ms of every window.
            return int(compiled.aggregate(model._base_manager.using(using), Max(self.span)) or 0)

        request = getattr(self.parent, "request", None)  # type: ignore[attr-defined]
        state: version.Version | None = getattr(request, "record_version", None)
        # Only where the version was read: a replica that lags must not keep its older span
        # under the primary's version.
        if state is None or using != state.read_from:
            return longest()
        return version.per_version(state, f"longest {model._meta.label} {self.span}", longest)


class StrictBooleanField(forms.NullBooleanField):
    """``true``/``false`` (or ``1``/``0``); anything else is an error, never "no filter"."""

    widget = forms.TextInput  # NullBooleanSelect would read any other value as "unknown"

    # NullBooleanField's to_python gives None too; the stubs say bool.
    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        meaning = {"true": True, "1": True, "false": False, "0": False}.get(str(value).lower())
        if meaning is None:
            raise forms.ValidationError("Give true or false.", code="invalid")
        return meaning

    def validate(self, value: Any) -> None:
        pass


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


@extend_schema_field({"type": "string", "format": "slug", "pattern": r"^[-a-zA-Z0-9_]+$"})
class SlugFilter(filters.ModelChoiceFilter):
    """A reference by slug; an unknown slug is a 400 that names the parameter."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("to_field_name", "slug")
        label = kwargs["queryset"].model._meta.verbose_name
        kwargs.setdefault(
            "error_messages", {"invalid_choice": f"No {label} has the slug '%(value)s'."}
        )
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "string", "maxLength": 200, "pattern": r"^[^\x00]*$"})
class SearchFilter(filters.CharFilter):
    """``q``: case-insensitive substring search over the fields a method names.

    At most 200 characters, counted as given (not stripped, so the count is the one the
    OpenAPI document states), and no NUL, which no database can search for.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("strip", False)
        super().__init__(*args, **kwargs)


class KeysField(BaseCSVField):
    """Comma-separated keys, none of them empty (``ordering=,date`` is a typo, not a key)."""

    def clean(self, value: Any) -> list[str] | None:
        if value and "" in value:
            raise forms.ValidationError(
                "An ordering key is empty: give keys separated by commas, e.g. -date,title.",
                code="invalid",
            )
        keys: list[str] | None = super().clean(value)
        return keys


class OrderingFilter(filters.OrderingFilter):
    """``ordering``, which owns the whole order of its list.

    django-filter's ordering: one key or several, comma-separated, each applied in turn and
    reversed by a ``-``; a key the list does not offer is a 400 naming ``ordering``, as is an
    empty one. ``keys`` maps each key to the columns it sorts by (an event's ``date`` is its first
    day, then its precision, then its last day); without ``ordering`` the list takes
    ``default``. The ``tie_break`` columns follow, each once, so that equal rows never trade
    places between two pages; with ``tie_break_follows_first`` they take the first key's
    direction (under ``-stated``, the newest claim of a day first).

    django-filter's rather than DRF's ``OrderingFilter``, which ignores a key it does not know
    (the contract refuses it) and maps a key to one column only.
    """

    base_field_class = KeysField
    parent: RecordFilterSet  # set by the FilterSet that holds the filter (not in the stubs)

    def __init__(
        self,
        *,
        keys: dict[str, tuple[str, ...]],
        default: tuple[str, ...],
        tie_break: tuple[str, ...] = ("id",),
        tie_break_follows_first: bool = False,
        **kwargs: Any,
    ) -> None:
        self.keys, self.default = keys, default
        self.tie_break, self.tie_break_follows_first = tie_break, tie_break_follows_first
        offered = [value for key in keys for value in (key, f"-{key}")]
        kwargs.setdefault(
            "help_text",
            f"{', '.join(offered[:-1])} or {offered[-1]} (default: {','.join(default)}).",
        )
        super().__init__(fields={key: key for key in keys}, **kwargs)

    def columns(self, requested: list[str] | None) -> list[str]:
        """The columns of the order that ``requested`` (the cleaned keys, or none) asks for."""
        columns = []
        for key in requested or self.default:
            sign = "-" if key.startswith("-") else ""
            columns += [f"{sign}{column}" for column in self.keys[key.lstrip("-")]]
        sign = "-" if self.tie_break_follows_first and columns[0].startswith("-") else ""
        return _unique_columns([*columns, *(f"{sign}{column}" for column in self.tie_break)])

    def filter(self, qs: QuerySet[Any], value: list[str] | None) -> QuerySet[Any]:
        columns = self.columns(value)
        if not self.parent.sorts_every_match:  # the RecordFilterSet applying this order
            return qs.order_by(*columns)
        # A full-text search: the first key becomes an expression no index gives
        # (``search.SortKey``). Otherwise PostgreSQL may walk the date index in order, testing
        # each row against the search until a page is full, which it expects to be quick and
        # which reads thousands of rows for a selective search; an order no index provides
        # leaves it the GIN index, then a sort of the matches (docs/benchmarks.md). A page of a
        # search with very many matches walks the order after all (``search.walking_the_order``).
        first, *rest = columns
        key = search.SortKey(first.lstrip("-"))
        return qs.order_by(key.desc() if first.startswith("-") else key.asc(), *rest)


def _unique_columns(columns: list[str]) -> list[str]:
    """Each column once, where it first appears (a later mention would change nothing)."""
    seen: set[str] = set()
    unique: list[str] = []
    for column in columns:
        if column.lstrip("-") not in seen:
            seen.add(column.lstrip("-"))
            unique.append(column)
    return unique


def _any_contains(lookups: Iterable[str], value: str) -> Q:
    query = Q()
    for lookup in lookups:
        query |= Q(**{f"{lookup}__icontains": value})
    return query


def _terms(value: str) -> list[str]:
    return list(dict.fromkeys(value.split()[:10]))


def _copied(filter_: filters.Filter, parent: RecordFilterSet) -> filters.Filter:
    """A declared filter for one FilterSet: a shallow copy with its own ``extra`` (which a
    filter's ``field`` may write to) and, for a ``method`` filter, its own ``FilterMethod``
    (which refers to the filter it was made for, and through it to its parent)."""
    copied = copy.copy(filter_)
    copied.extra = dict(filter_.extra)
    if filter_.method is not None:
        copied.method = filter_.method
    # What django-filter sets on each filter of a FilterSet (not in the stubs).
    copied.model = parent.queryset.model  # type: ignore[attr-defined,union-attr]
    copied.parent = parent  # type: ignore[attr-defined]
    return copied


_FORM_CLASSES: dict[tuple[type, type[Model]], type[forms.Form]] = {}


class _FormFields(dict[str, forms.Field]):
    """A filter form's declared fields, which each form copies shallowly: Django deep-copies a
    form's fields (their widgets, choices and querysets) for a form that may change them, and a
    filter form only validates the query string (0.2 ms of a list)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return {name: copy.copy(field) for name, field in self.items()}


class RecordFilterSet(filters.FilterSet):
    """The base of every list's FilterSet: ``q``, declared here once, and what a search needs.

    ``q`` is a case-insensitive search in which every whitespace-separated term (ten at most)
    must match: ``vladivostok summit`` finds "Summit in Vladivostok". A term matches a record
    where :meth:`term_condition` says, by default as a substring of any of ``search_fields``.
    Events and claims, whose searched text PostgreSQL keeps in a GIN-indexed column
    (``tracker.search``), are searched there in full text, and by name in what
    :meth:`named_by` gives.

    Each subclass declares its ``ordering`` (an ``OrderingFilter``), which reads
    :attr:`sorts_every_match`; so does the view, to pick the paginator that counts the matches
    with the page (``tracker.api.pagination.SearchPagination``).
    """

    q = SearchFilter(
        method="filter_q",
        help_text="Text search: every whitespace-separated term must match, case-insensitively.",
    )
    state = filters.ChoiceFilter(
        choices=ReviewState.choices,
        method="filter_state",
        help_text="Where the record stands in review: draft, in_review, published or retracted. "
        "Readers see only published and retracted records (asking for another state is a 403 "
        "naming this parameter); curators see every state.",
    )

    search_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[Any] | None = None,
        *,
        request: HttpRequest | None = None,
        prefix: str | None = None,
    ) -> None:
        # django-filter's own __init__, but for the copy of the declared filters: it deep-copies
        # them for every request (their querysets and choices included, about 1 ms a list),
        # where what a filter holds of one request is its parent and model, set below.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()  # type: ignore[attr-defined]
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = OrderedDict(
            (name, _copied(filter_, self)) for name, filter_ in self.base_filters.items()
        )

    def get_form_class(self) -> type[forms.Form]:
        # The form's fields come from the declared filters alone (no filter's choices are a
        # function of the request), so its class is made once per FilterSet and model rather
        # than once per request; each form still copies the fields it validates with.
        key = (type(self), self.queryset.model)  # type: ignore[union-attr]
        form_class = _FORM_CLASSES.get(key)
        if form_class is None:
            form_class = super().get_form_class()
            form_class.base_fields = _FormFields(form_class.base_fields)
            if not any(callable(getattr(f, "queryset", None)) for f in self.filters.values()):
                _FORM_CLASSES[key] = form_class
        return form_class

    @property
    def sorts_every_match(self) -> bool:
        """Whether a page of this list means reading and sorting every match: a full-text search.

        The database finds the matches in the GIN index, unordered, so it must read them all to
        sort them; the ordering then sorts by an expression (see ``OrderingFilter.filter``) and
        a page is best read with the count of its matches (``pagination.SearchPagination``).
        """
        return bool(self.form.cleaned_data.get("q")) and search.searches_in_full_text(
            self.queryset.model  # type: ignore[union-attr]  # a FilterSet of a view has one
        )

    def filter_state(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        user = getattr(self.request, "user", None)
        if value not in visibility.READER_STATES and not visibility.sees_everything(user):
            # A well-formed request for what this reader may not read: a 403 naming it.
            raise PermissionDeniedFor(
                f"Only curators may list {value} records.",
                {"state": [f"Readers see published and retracted records, not {value} ones."]},
            )
        return qs.filter(state=value)

    def term_condition(self, term: str) -> Q:
        """Where a single term may match, as a substring."""
        return _any_contains(self.search_fields, term)

    def named_by(self, term: str) -> QuerySet[Any, Any]:
        """The ids of the records whose actor's name holds ``term`` (full-text search only)."""
        raise NotImplementedError(f"{type(self).__name__} searches no names in full text")

    def filter_q(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        terms = _terms(value)
        if search.searches_in_full_text(qs.model):
            condition = search.full_text_condition(
                qs.model, terms, by_name=self.named_by, substring=self.term_condition
            )
            return qs.filter(condition)
        query = Q()
        for term in terms:
            query &= self.term_condition(term)
        return qs.filter(query)


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which also leaves the FilterSet it applied on the view (as
    django-filter's own ``FilterView`` does), so that the view may ask it how the list is best
    read (``RecordFilterSet.sorts_every_match``, see ``pagination.SearchPaginationMixin``)."""

    def filter_queryset(
        self, request: HttpRequest, queryset: QuerySet[Any], view: APIView
    ) -> QuerySet[Any]:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid() and self.raise_exception:
            # It returns DRF's ValidationError; the stubs say the errors' dict.
            raise translate_validation(filterset.errors)  # type: ignore[misc]
        # Read by SearchPaginationMixin; a view without it has no use for it.
        view.filterset = filterset  # type: ignore[attr-defined]
        filtered: QuerySet[Any] = filterset.qs
        return filtered


class EventFilter(RecordFilterSet):
    date_from = WindowFilter(prefix="date", end="from")
    date_to = WindowFilter(prefix="date", end="to")
    actor = SlugFilter(
        queryset=Actor.objects.all(), method="filter_actor", help_text="Participant's slug."
    )
    tag = SlugFilter(queryset=Tag.objects.all(), field_name="tags", help_text="Tag slug.")
    precision = filters.ChoiceFilter(choices=Precision.choices, field_name="date_precision")
    attested = BooleanFilter(
        method="filter_attested",
        help_text="true: events with at least one quoted claim (their evidence); false: the "
        "unattested ones, the curators' to-do list.",
    )
    claim_kind = filters.ChoiceFilter(
        choices=ClaimKind.choices,
        method="filter_claim_kind",
        help_text="Embed only claims of this kind (statement or report); the events listed, "
        "their sources and attested are unchanged.",
    )
    # The order of the contract: date, then precision (finer first: "day" < "month" < "year"
    # sorts as text too, on every database), with stable tie-breaks.
    ordering = OrderingFilter(
        keys={"date": ("date_start", "date_precision", "date_end"), "title": ("title",)},
        default=("date",),
        tie_break=("title", "date_start", "id"),
        help_text="date, -date, title or -title (default: date, then precision).",
    )
    # Titles, summaries and locations; participants' names.
    search_fields = ("title", "summary", "location")

    class Meta:
        model = Event
        fields = [
            "date_from", "date_to", "actor", "tag", "precision", "attested", "claim_kind", "q",
            "ordering",
        ]  # fmt: skip

    def filter_attested(self, qs: QuerySet[Event], name: str, value: bool) -> QuerySet[Event]:
        readers = visibility.reads_as_reader(self.request)
        return qs.filter(querysets.attested_events(value, readers=readers))

    def filter_claim_kind(self, qs: QuerySet[Event], name: str, value: str) -> QuerySet[Event]:
        return qs  # the serializer embeds only that kind; validated here

    def filter_actor(self, qs: QuerySet[Event], name: str, actor: Actor) -> QuerySet[Event]:
        return qs.filter(Exists(EventActor.objects.filter(event=OuterRef("pk"), actor=actor)))

    def term_condition(self, term: str) -> Q:
        participants = EventActor.objects.filter(event=OuterRef("pk"), actor__name__icontains=term)
        return super().term_condition(term) | Q(Exists(participants))

    def named_by(self, term: str) -> QuerySet[Any, Any]:
        return EventActor.objects.filter(actor__name__icontains=term).values("event_id")


class EventStatsFilter(EventFilter):
    """The event filters of ``stats/timeline``: all but ``claim_kind``, which shapes an embed."""

    # None takes the inherited filter out (the FilterSet metaclass drops it; the stubs cannot).

    claim_kind = None  # type: ignore[assignment]

    class Meta(EventFilter.Meta):
        fields = [name for name in EventFilter.Meta.fields if name != "claim_kind"]


class ClaimFilter(RecordFilterSet):
    claimant = SlugFilter(queryset=Actor.objects.all(), help_text="Claimant's slug.")
    source = SlugFilter(queryset=Source.objects.only("id", "slug"), help_text="Source slug.")
    event = SlugFilter(
        queryset=Event.objects.only("id", "slug"), field_name="events", help_text="Event slug."
    )
    status = filters.ChoiceFilter(choices=ClaimStatus.choices)
    kind = filters.ChoiceFilter(
        choices=ClaimKind.choices,
        help_text="statement (a party is reported to have said it) or report (the document's "
        "own narration, caption or figure).",
    )
    stated_from = WindowFilter(prefix="stated", end="from")
    stated_to = WindowFilter(prefix="stated", end="to")
    ordering = OrderingFilter(
        keys={"stated": ("stated_start",), "id": ("id",)},
        default=("stated",),
        tie_break_follows_first=True,
    )
    # Texts, quotes and claimants' names.
    search_fields = ("text", "quote", "claimant__name")

    class Meta:
        model = Claim
        fields = [
            "claimant", "source", "event", "status", "kind", "stated_from", "stated_to", "q",
        ]  # fmt: skip

    def named_by(self, term: str) -> QuerySet[Any, Any]:
        return Claim.objects.filter(claimant__name__icontains=term).values("pk")


_JSON_SYNTAX = frozenset('[]{}",:\\')


class WikidataField(forms.CharField):
    """A Wikidata item id (``Q7747``), with one message for anything else."""

    default_validators = []

    def run_validators(self, value: Any) -> None:
        if value in self.empty_values:
            return
        if "\x00" in value:  # named as every other parameter names it
            raise forms.ValidationError("Null characters are not allowed.", code="null_characters")
        validate_wikidata(value)


@extend_schema_field({"type": "string", "pattern": r"^Q[1-9][0-9]*$", "example": "Q7747"})
class WikidataFilter(filters.CharFilter):
    """A Wikidata item id (``Q7747``); anything else is a 400 naming the parameter."""

    field_class = WikidataField


class ActorFilter(RecordFilterSet):
    kind = filters.ChoiceFilter(choices=ActorKind.choices)
    wikidata = WikidataFilter(help_text="The actor's Wikidata id, e.g. Q7747.")
    ordering = OrderingFilter(
        keys={"name": ("name",), "id": ("id",)}, default=("name",), tie_break_follows_first=True
    )
    # Names, titles and aliases (in their JSON text: see ``term_condition``).
    search_fields = ("name", "title")

    class Meta:
        model = Actor
        fields = ["kind", "wikidata", "q"]

    def filter_q(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return super().filter_q(qs.annotate(aliases_text=Cast("aliases", TextField())), name, value)

    def term_condition(self, term: str) -> Q:
        # Aliases are searched in their JSON text (["DPRK", "North"]); a term holding JSON
        # punctuation would match that syntax ("[]" every actor without aliases), not a name.
        condition = super().term_condition(term)
        if _JSON_SYNTAX.isdisjoint(term):
            condition |= Q(aliases_text__icontains=term)
        return condition


class SourceFilter(RecordFilterSet):
    publisher = SlugFilter(queryset=Actor.objects.all(), help_text="Publisher's slug.")
    ordering = OrderingFilter(
        keys={"published": ("published_start",), "title": ("title",)},
        default=("published",),
        tie_break=("title", "id"),
    )
    # Titles, authors and texts.
    search_fields = ("title", "author", "text")

    class Meta:
        model = Source
        fields = ["publisher", "q"]
