"""One declaration per representation: each resource's fields, in order, and where each comes from.

The API's JSON, the fast path's rows (``tracker.selectors.embeds``), the CSV columns
(``tracker.selectors.rows``, ``tracker.api.exports``), the declared serializers' fields (the
OpenAPI document, and the reference the fast path is tested against) and the benchmark's raw
baseline (``bench/baseline.py``) all derive from the shapes below, so a new column of a resource
is one line here (and its test). Plain Python, no Django: the baseline imports it as it is.

A field comes from one of:

- ``Column``: a column of the record's table, or of a table joined to it (``path``, an ORM
  lookup such as ``claimant__slug``), with an optional conversion (``DATE``, ``OPTIONAL``);
- ``Embedded``: another resource's brief form, read through a foreign key in the same row;
- ``Url``: the record's API address; ``Link``: the address of a list filtered to the record;
- ``Listed``: what is read for a whole page at once, by id (a claim's events, an event's
  claims), never a column of the row.

``Shape.builder()`` writes, from a shape, the function that turns a row (or a model instance)
into its JSON, and compiles it once, as ``dataclasses`` writes ``__init__``: the hot path then
costs what a hand-written dict costs, and this declaration stays the only one.
"""

from __future__ import annotations

import datetime
import linecache
from collections import namedtuple
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple, cast

# How a column's value becomes its JSON.
DATE = "date"  # a date as ISO text (rows may hold it as text already)
OPTIONAL = "optional"  # an empty text is absent: null


@dataclass(frozen=True)
class Column:
    """A value read from a column: the record's own (``path`` defaults to the name) or one
    reached through its foreign keys (``claimant__slug``)."""

    name: str
    path: str = ""
    convert: str | None = None

    def __post_init__(self):
        if not self.path:
            object.__setattr__(self, "path", self.name)


@dataclass(frozen=True)
class Embedded:
    """Another resource's brief ``shape``, read through the foreign key ``path`` (defaults to
    the name) in the same row; null when the key is."""

    name: str
    shape: Shape
    path: str = ""

    def __post_init__(self):
        if not self.path:
            object.__setattr__(self, "path", self.name)


@dataclass(frozen=True)
class Url:
    """The record's API address (its detail view's URL, from its id)."""

    name: str = "url"


@dataclass(frozen=True)
class Link:
    """The address of the list ``view`` filtered to this record (``?param=<its slug>``)."""

    name: str
    view: str
    param: str


@dataclass(frozen=True)
class Listed:
    """A list, or a value computed from one, read for the whole page at once by the records'
    ids (``origin`` says from where); the builder takes a function of the id for it."""

    name: str
    origin: str


Field = Column | Embedded | Url | Link | Listed


class Shape:
    """A representation: its fields in the order the JSON gives them."""

    def __init__(self, name: str, *fields: Field):
        self.name = name
        self.fields = fields
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"{name}: a field is declared twice")

    def extended(self, name: str, *fields: Field) -> Shape:
        """This shape with more fields after its own (a detail that adds to a list's)."""
        return Shape(name, *self.fields, *fields)

    @property
    def names(self) -> list[str]:
        """The fields' names: the JSON's keys, and the declared serializer's ``Meta.fields``."""
        return [field.name for field in self.fields]

    def field(self, name: str) -> Field:
        return next(field for field in self.fields if field.name == name)

    def of_kind(self, kind: type) -> list:
        return [field for field in self.fields if isinstance(field, kind)]

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the shape reads, embedded ones included, as ORM lookups in field order:
        what a query selects for it and the names of its ``row_type``."""
        return tuple(path for path, _ in self.flat_columns())

    def flat_columns(self, prefix: str = "") -> Iterator[tuple[str, Column]]:
        """(lookup, column) for every column, embedded shapes' columns under their path."""
        for field in self.fields:
            if isinstance(field, Column):
                yield prefix + field.path, field
            elif isinstance(field, Embedded):
                yield from field.shape.flat_columns(f"{prefix}{field.path}__")

    @property
    def row_type(self) -> type[NamedTuple]:
        """A named tuple of ``columns``: a row of this shape as a query reads it."""
        return _row_type(self)

    def builder(
        self, *, records: bool = False, prefix: str = "", **bound: Callable
    ) -> Callable[[Any], dict]:
        """The function that builds this shape's JSON from one row: ``build(row)``.

        ``row`` is a ``row_type``, or with ``prefix`` a row holding this shape's columns under
        it (a source's, ``source__``, in a claim's row), or with ``records=True`` a model
        instance with the foreign keys the shape reads already joined. ``bound`` gives ``url``,
        a function of the record's id that gives its address (if the shape has a ``Url``), and
        per ``Listed`` field a function of the id that gives its value (``claims=...``). The
        generated source is ``build.source``.
        """
        return _compiled(self, records, prefix)(**bound)

    def __repr__(self) -> str:
        return f"Shape({self.name!r}: {', '.join(self.names)})"


@cache
def _row_type(shape: Shape) -> type[NamedTuple]:
    # A named tuple made at run time: typeshed types namedtuple()'s result as a plain tuple.
    return cast(
        "type[NamedTuple]",
        namedtuple(f"{shape.name.title().replace(' ', '')}Row", shape.columns),
    )


def iso_date(value: Any) -> str | None:
    """A date as DRF's DateField renders it; rows from SQLite (and the fast path's SQL, which
    selects dates as text) hold it as ISO text already."""
    if value is None or isinstance(value, str):
        return value
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


def follow(value: Any, *names: str) -> Any:
    """``value.a.b``, or None as soon as a link of the chain is None (a null foreign key)."""
    for name in names:
        if value is None:
            return None
        value = getattr(value, name)
    return value


class _Writer:
    """Writes a shape's builder as Python source: one dict display, nested for embedded shapes.

    A row of the shape's own ``row_type`` is unpacked into locals first (``_c0, _c1, ... = row``),
    which reads faster than a named tuple's attributes; a prefixed row is read by attribute, a
    model instance through its related objects, each read once.
    """

    def __init__(self, shape: Shape, records: bool, prefix: str):
        self.records, self.related = records, 0
        unpacked = not records and not prefix
        self.locals = {path: f"_c{i}" for i, path in enumerate(shape.columns)} if unpacked else {}

    def access(self, base: str, path: str) -> str:
        """The expression reading ``path`` from ``base`` (``row`` or a bound related object)."""
        if base == "row" and path in self.locals:
            return self.locals[path]
        if not self.records:
            return f"{base}.{path}"
        first, *rest = path.split("__")
        if not rest:
            return f"{base}.{first}"
        return f"_follow({base}.{first}, {', '.join(repr(name) for name in rest)})"

    def shape(self, shape: Shape, base: str, prefix: str, top: bool) -> str:
        items = []
        record_id = self.access(base, prefix + "id") if top else None
        for field in shape.fields:
            if isinstance(field, Column):
                value = self.access(base, prefix + field.path)
                if field.convert == DATE:
                    value = f"_iso({value})"
                elif field.convert == OPTIONAL:
                    value = f"({value} or None)"
            elif isinstance(field, Embedded):
                value = self.embedded(field, base, prefix)
            elif isinstance(field, Url) and top:
                value = f"url({record_id})"
            elif isinstance(field, Listed) and top:
                value = f"{field.name}({record_id})"
            else:
                raise TypeError(f"{shape.name}: {field!r} cannot be built from a row")
            items.append(f"{field.name!r}: {value}")
        if top:  # one field a line: readable in a traceback, and in ``build.source``
            return "{\n            " + ",\n            ".join(items) + ",\n        }"
        return "{" + ", ".join(items) + "}"

    def embedded(self, field: Embedded, base: str, prefix: str) -> str:
        if not self.records:
            # A row: the embedded columns are the row's own, under the key's path.
            inner = f"{prefix}{field.path}__"
            key = self.access(base, inner + next(iter(field.shape.flat_columns()))[0])
            return f"(None if {key} is None else {self.shape(field.shape, base, inner, False)})"
        # A model instance: read the related object once, then its columns from it.
        self.related += 1
        bound = f"_related{self.related}"
        related = self.access(base, prefix + field.path)
        inner = self.shape(field.shape, bound, "", False)
        return f"(None if ({bound} := {related}) is None else {inner})"


@cache
def _compiled(shape: Shape, records: bool, prefix: str) -> Callable[..., Callable[[Any], dict]]:
    """The shape's builder factory: ``bind(url, <listed>...)`` returns ``build(row)``, which
    reads what it was bound to from its closure."""
    if records and prefix:
        raise ValueError("a model instance reads its related objects, not prefixed columns")
    listed = [field.name for field in shape.of_kind(Listed)]
    if {"row", "url"} & set(listed) or any(name.startswith("_") for name in listed):
        raise ValueError(f"{shape.name}: a listed field may not be named row, url or _...")
    writer = _Writer(shape, records, prefix)
    body = writer.shape(shape, "row", prefix, top=True)
    unpack = f"        {', '.join(writer.locals.values())}, = row\n" if writer.locals else ""
    parameters = (["url"] if shape.of_kind(Url) else []) + listed
    source = (
        f"def bind({', '.join(parameters)}):\n"
        f"    def build(row):\n{unpack}        return {body}\n"
        "    build.source = SOURCE\n"
        "    return build\n"
    )
    filename = (
        f"<shape {shape.name}{' records' if records else ''}{' ' + prefix if prefix else ''}>"
    )
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # tracebacks
    namespace: dict[str, Any] = {"_iso": iso_date, "_follow": follow, "SOURCE": source}
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102
    return namespace["bind"]


# --- The shapes -----------------------------------------------------------------------------

ACTOR_BRIEF = Shape("actor brief", Column("id"), Column("slug"), Column("name"), Column("kind"))

PARTICIPANT = Shape(
    "participant",  # an event's actor with the part they played in it (an EventActor row)
    Column("id", "actor__id"),
    Column("slug", "actor__slug"),
    Column("name", "actor__name"),
    Column("kind", "actor__kind"),
    Column("role"),
)

SOURCE_BRIEF = Shape(
    "source brief",
    Column("id"),
    Column("slug"),
    Column("title"),
    Column("publisher", "publisher__name"),
    Column("published"),
    Column("url", convert=OPTIONAL),  # the document's address
)

PLACE = Shape(
    "place",
    Column("slug"),
    Column("name"),
    Column("latitude"),
    Column("longitude"),
    Column("wikidata", convert=OPTIONAL),
    Column("geonames"),
)

CLAIM = Shape(
    "claim",
    Column("id"),
    Url(),
    Column("slug"),
    Column("kind"),
    Column("text"),
    Column("quote"),
    Column("quote_start"),
    Column("quote_end"),
    Embedded("claimant", ACTOR_BRIEF),
    Embedded("source", SOURCE_BRIEF),
    Column("stated"),
    Column("stated_start", convert=DATE),
    Column("stated_end", convert=DATE),
    Column("stated_precision"),
    Column("status"),
    Column("notes"),
    Column("state"),
    Column("state_rationale"),
    Listed("events", "embeds.claim_links: the slugs of its events, in the events' order"),
    Listed("relations", "embeds.claim_links: its relations (type, other claim, direction)"),
)

# A source an event's claims come from, and how many of the event's claims it holds.
EVENT_SOURCE = SOURCE_BRIEF.extended(
    "event source", Listed("claims", "how many of the event's claims it holds")
)

EVENT = Shape(
    "event",
    Column("id"),
    Url(),
    Column("slug"),
    Column("title"),
    Column("summary"),
    Column("date"),
    Column("date_start", convert=DATE),
    Column("date_end", convert=DATE),
    Column("date_precision"),
    Column("location"),
    Embedded("place", PLACE),
    Column("state"),
    Column("state_rationale"),
    Listed("actors", "embeds.event_embeds: its participants (PARTICIPANT), in their order"),
    Listed("tags", "embeds.event_embeds: its tags' slugs, in slug order"),
    Listed("attested", "from its claims' rows: one of them has a quote"),
    Listed("sources", "from its claims' rows: their distinct sources (EVENT_SOURCE)"),
    Listed("claims", "embeds.event_embeds: its claims (CLAIM), by stated date then id"),
)

EVENT_BRIEF = Shape(
    "event brief", Column("id"), Url(), Column("slug"), Column("title"), Column("date")
)

ACTOR = Shape(
    "actor",
    Column("id"),
    Url(),
    Column("slug"),
    Column("name"),
    Column("kind"),
    Column("title"),
    Embedded("affiliation", ACTOR_BRIEF),
    Column("aliases"),  # a list of names (a JSON column)
    Column("wikidata", convert=OPTIONAL),
    Column("state"),
    Column("state_rationale"),
    Link("claims_url", "claim-list", "claimant"),
    Link("events_url", "event-list", "actor"),
)

SOURCE = Shape(
    "source",
    Column("id"),
    Url(),
    Column("slug"),
    Column("title"),
    Embedded("publisher", ACTOR_BRIEF),
    Column("author"),
    Column("document_url", "url", convert=OPTIONAL),  # ``url`` is the API's address here
    Column("published"),
    Column("published_start", convert=DATE),
    Column("published_end", convert=DATE),
    Column("published_precision"),
    Column("language"),
    Column("notes"),
    Column("retrieved"),
    Column("archive_url", convert=OPTIONAL),
    Column("text_sha256"),
    Column("state"),
    Column("state_rationale"),
    Listed("credits", "the outlets or agencies it credits (ACTOR_BRIEF), in slug order"),
    Link("claims_url", "claim-list", "source"),
)

# A claim as listed under its source: where its quote stands in the text.
SOURCE_CLAIM = Shape(
    "source claim",
    Column("id"),
    Url(),
    Column("slug"),
    Column("kind"),
    Column("text"),
    Column("quote"),
    Column("quote_start"),
    Column("quote_end"),
    Embedded("claimant", ACTOR_BRIEF),
    Column("stated"),
    Column("status"),
    Column("notes"),
    Column("state"),
    Column("state_rationale"),
    Listed("events", "its events' slugs (prefetched with the source)"),
)

SOURCE_DETAIL = SOURCE.extended(
    "source detail",
    Column("text"),
    Listed("claims", "its claims (SOURCE_CLAIM), in text order"),
    Listed("events", "the events its claims concern (EVENT_BRIEF), in date order"),
)
