"""FilterSets: one per list, each parameter documented in the OpenAPI schema.

Date windows (``date_from``/``date_to``, ``stated_from``/``stated_to``) take ``YYYY``,
``YYYY-MM`` or ``YYYY-MM-DD`` and match a record whose [start, end] overlaps the window.
A slug that names no record is a 400 naming the parameter, so a typo is never mistaken for
"nothing happened".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, Max, Model, OuterRef, Q, QuerySet, TextField, Window
from django.db.models.functions import Cast, Coalesce
from django_filters.fields import BaseCSVField
from drf_spectacular.utils import extend_schema_field

from tracker import dates, search
from tracker.api.pagination import COUNT_WITH_PAGE
from tracker.dates import Precision
from tracker.models import (
    Actor,
    ActorKind,
    Claim,
    ClaimKind,
    ClaimStatus,
    Event,
    EventActor,
    Source,
    Tag,
    validate_wikidata,
)
from tracker.selectors import querysets


class WindowDateField(forms.CharField):
    """A form field for YYYY, YYYY-MM or YYYY-MM-DD; cleans to the (first, last) day it covers."""

    def to_python(self, value: Any) -> Any:
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

    def __init__(self, *args: Any, prefix: str, end: str, **kwargs: Any):
        self.prefix, self.end = prefix, end
        self.span = f"{prefix}_span"  # used when the model stores it (see ``filter``)
        kwargs.setdefault(
            "help_text",
            f"{'Start' if end == 'from' else 'End'} of the window (YYYY, YYYY-MM or YYYY-MM-DD); "
            "records whose dates overlap it match.",
        )
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value is None:
            return qs
        first, last = value
        if self.end == "from":  # the record ends on or after the window's first day
            qs = qs.filter(**{f"{self.prefix}_end__gte": first})
            longest = self._longest_span(qs.model)
            if longest is not None:
                # Same rows, but a start bounded on both sides lets the (start) index range-scan
                # instead of reading every record from the first one.
                # Clamped: a record dated 0001/2022 makes the longest span reach past year 1.
                earliest = dates.days_before(first, longest)
                qs = qs.filter(**{f"{self.prefix}_start__gte": earliest})
            return qs
        return qs.filter(**{f"{self.prefix}_start__lte": last})  # starts by its last day

    def _longest_span(self, model: type[Model]) -> int | None:
        """The longest [start, end] of the model in days (an indexed MAX), if it stores them."""
        if not any(field.name == self.span for field in model._meta.concrete_fields):
            return None
        longest = model._base_manager.aggregate(longest=Max(self.span))["longest"]
        return longest or 0


class StrictBooleanField(forms.NullBooleanField):
    """``true``/``false`` (or ``1``/``0``); anything else is an error, never "no filter"."""

    widget = forms.TextInput  # NullBooleanSelect would read any other value as "unknown"

    def to_python(self, value: Any) -> Any:
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

    def __init__(self, *args: Any, **kwargs: Any):
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

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("strip", False)
        super().__init__(*args, **kwargs)


class KeysField(BaseCSVField):
    """Comma-separated keys, none of them empty (``ordering=,date`` is a typo, not a key)."""

    def clean(self, value: Any) -> Any:
        if value and "" in value:
            raise forms.ValidationError(
                "An ordering key is empty: give keys separated by commas, e.g. -date,title.",
                code="invalid",
            )
        return super().clean(value)


class OrderingFilter(filters.OrderingFilter):
    """django-filter's ordering (one key or several, comma-separated), without empty keys."""

    base_field_class = KeysField


def _any_contains(lookups: list[str], value: str) -> Q:
    query = Q()
    for lookup in lookups:
        query |= Q(**{f"{lookup}__icontains": value})
    return query


def _terms(value: str) -> list[str]:
    return list(dict.fromkeys(value.split()[:10]))


def _every_term(value: str, term_query: Callable[[str], Q]) -> Q:
    """Each whitespace-separated term must match (``vladivostok summit`` finds "Summit in
    Vladivostok"); ``term_query(term)`` says where a single term may match."""
    query = Q()
    for term in _terms(value):
        query &= term_query(term)
    return query


def _text_search(
    qs: QuerySet[Any],
    value: str,
    *,
    substring: Callable[[str], Q],
    by_name: Callable[[str], QuerySet[Any]],
) -> QuerySet[Any]:
    """``q`` over events or claims: full-text search over the GIN-indexed column on PostgreSQL,
    every term as a substring elsewhere; ``by_name(term)`` gives the ids whose actor a term
    names, ``substring(term)`` where a term may match as a substring."""
    if search.uses_full_text():
        condition = search.full_text_condition(
            qs.model, _terms(value), by_name=by_name, substring=substring
        )
        return qs.filter(condition)
    return qs.filter(_every_term(value, substring))


class EventFilter(filters.FilterSet):
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
    q = SearchFilter(
        method="filter_q",
        help_text="Text search in titles, summaries, locations and participants' names.",
    )
    ordering = OrderingFilter(
        fields={"date_start": "date", "title": "title"},
        help_text="date, -date, title or -title (default: date, then precision).",
    )

    class Meta:
        model = Event
        fields = [
            "date_from", "date_to", "actor", "tag", "precision", "attested", "claim_kind", "q",
            "ordering",
        ]  # fmt: skip

    # drf-spectacular documents a method filter's parameter by its value's annotation.
    def filter_attested(self, qs: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        return qs.filter(querysets.attested_events(value))

    def filter_claim_kind(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs  # the serializer embeds only that kind; validated here

    def filter_actor(self, qs: QuerySet[Any], name: str, actor: Any) -> QuerySet[Any]:
        return qs.filter(Exists(EventActor.objects.filter(event=OuterRef("pk"), actor=actor)))

    def filter_q(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        def term_query(term: str) -> Q:
            participants = EventActor.objects.filter(
                event=OuterRef("pk"), actor__name__icontains=term
            )
            return _any_contains(["title", "summary", "location"], term) | Q(Exists(participants))

        return _text_search(
            qs, value, substring=term_query,
            by_name=lambda term: EventActor.objects.filter(
                actor__name__icontains=term
            ).values("event_id"),
        )  # fmt: skip

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        ordering = event_ordering(self.form.cleaned_data.get("ordering"))
        return _ordered(queryset, ordering, self.form.cleaned_data.get("q"))


class EventStatsFilter(EventFilter):
    """The event filters of ``stats/timeline``: all but ``claim_kind``, which shapes an embed."""

    # None takes the inherited filter out (the FilterSet metaclass drops it; the stubs cannot).
    claim_kind = None  # type: ignore[assignment]

    class Meta(EventFilter.Meta):
        fields = [name for name in EventFilter.Meta.fields if name != "claim_kind"]


def _ordered(queryset: QuerySet[Any], ordering: list[str], q: str | None) -> QuerySet[Any]:
    """The queryset in that order; for a full-text search, sorted after matching, and counted.

    The first key becomes an expression no index gives: otherwise PostgreSQL may walk the date
    index in order, testing each row against the search until a page is full, which it expects
    to be quick and which reads thousands of rows for a selective search (35 ms against 5 ms
    measured for ~500 matches in 100,000 events); an order no index provides leaves it the GIN
    index, then a sort of the matches. Since the page reads every match anyway, it counts them
    too (``pagination.COUNT_WITH_PAGE``), rather than a count running the search a second time.
    """
    if not q or not search.uses_full_text():
        return queryset.order_by(*ordering)
    first, *rest = ordering
    name = first.lstrip("-")
    key = Coalesce(F(name), F(name))
    counted: QuerySet[Any] = queryset.annotate(**{COUNT_WITH_PAGE: Window(Count("pk"))})
    return counted.order_by(key.desc() if first.startswith("-") else key.asc(), *rest)


def event_ordering(requested: list[str] | None) -> list[str]:
    """The order of the contract: date, then precision (finer first), with stable tie-breaks.

    ``requested`` is the cleaned ``ordering``: one key or several (``-date,title``), each
    applied in turn, as the OpenAPI document's comma-separated list says.
    """
    columns = []
    for key in requested or ["date"]:
        sign = "-" if key.startswith("-") else ""
        if key.lstrip("-") == "date":
            # "day" < "month" < "year" sorts by precision as text too, on every database.
            columns += [f"{sign}date_start", f"{sign}date_precision", f"{sign}date_end"]
        else:
            columns.append(f"{sign}title")
    return _unique_columns([*columns, "title", "date_start", "id"])


def _unique_columns(columns: list[str]) -> list[str]:
    """Each column once, where it first appears (a later mention would change nothing)."""
    seen, unique = set(), []
    for column in columns:
        if column.lstrip("-") not in seen:
            seen.add(column.lstrip("-"))
            unique.append(column)
    return unique


class ClaimFilter(filters.FilterSet):
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
    q = SearchFilter(
        method="filter_q", help_text="Text search in claims, quotes and claimants' names."
    )
    ordering = OrderingFilter(
        fields={"stated_start": "stated", "id": "id"},
        help_text="stated, -stated, id or -id (default: stated).",
    )

    class Meta:
        model = Claim
        fields = [
            "claimant", "source", "event", "status", "kind", "stated_from", "stated_to", "q",
        ]  # fmt: skip

    def filter_q(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        def term_query(term: str) -> Q:
            return _any_contains(["text", "quote", "claimant__name"], term)

        return _text_search(
            qs, value, substring=term_query,
            by_name=lambda term: Claim.objects.filter(claimant__name__icontains=term).values("pk"),
        )  # fmt: skip

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        columns = [
            ("-" if key.startswith("-") else "")
            + {"stated": "stated_start", "id": "id"}[key.lstrip("-")]
            for key in self.form.cleaned_data.get("ordering") or ["stated"]
        ]
        # Ties break by id, in the direction of the first key.
        tie_break = "-id" if columns[0].startswith("-") else "id"
        ordering = _unique_columns([*columns, tie_break])
        return _ordered(queryset, ordering, self.form.cleaned_data.get("q"))


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


class ActorFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=ActorKind.choices)
    wikidata = WikidataFilter(help_text="The actor's Wikidata id, e.g. Q7747.")
    q = SearchFilter(method="filter_q", help_text="Text search in names, titles and aliases.")
    ordering = OrderingFilter(fields={"name": "name", "id": "id"})

    class Meta:
        model = Actor
        fields = ["kind", "wikidata", "q"]

    def filter_q(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        def term_query(term: str) -> Q:
            # Aliases are searched in their JSON text (["DPRK", "North"]); a term holding JSON
            # punctuation would match that syntax ("[]" every actor without aliases), not a name.
            fields = ["name", "title"]
            if _JSON_SYNTAX.isdisjoint(term):
                fields.append("aliases_text")
            return _any_contains(fields, term)

        with_aliases: QuerySet[Any] = qs.annotate(aliases_text=Cast("aliases", TextField()))
        return with_aliases.filter(_every_term(value, term_query))


class SourceFilter(filters.FilterSet):
    publisher = SlugFilter(queryset=Actor.objects.all(), help_text="Publisher's slug.")
    q = SearchFilter(method="filter_q", help_text="Text search in titles, authors and texts.")
    ordering = OrderingFilter(
        fields={"published_start": "published", "title": "title"},
        help_text="published, -published, title or -title (default: published).",
    )

    class Meta:
        model = Source
        fields = ["publisher", "q"]

    def filter_q(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        fields = ["title", "author", "text"]
        return qs.filter(_every_term(value, lambda term: _any_contains(fields, term)))
