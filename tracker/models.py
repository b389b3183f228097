"""The record: sources, actors, events and the claims people make about them."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from tracker import quotes
from tracker.dates import EDTFField, Precision
from tracker.history import RecordHistory, track_links


class ModifiedAtField(models.DateTimeField):
    """Set to now on every ordinary save; a raw fixture load keeps its default instead."""

    def pre_save(self, model_instance, add):
        value = timezone.now()
        setattr(model_instance, self.attname, value)
        return value


def text_digest(text: str) -> str:
    """The SHA-256 of a source's text as UTF-8, in hex: what ``Source.text_sha256`` holds."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TextDigestField(models.CharField):
    """The SHA-256 of the model's ``text``, derived on validation and on every save (bulk
    inserts included), never typed: it tells whether a stored text is still the one captured."""

    history_tracked = True  # a record's history shows it change with the text

    def __init__(self, *args, **kwargs):
        kwargs.update(max_length=64, editable=False, blank=True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key in ("max_length", "editable", "blank"):
            kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = text_digest(model_instance.text or "")
        setattr(model_instance, self.attname, value)
        return value


class SlugManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class ReviewState(models.TextChoices):
    """Where a record stands in the editorial workflow (``tracker.services.transition``):
    readers see published and retracted records only (``tracker.visibility``)."""

    DRAFT = "draft", "draft"
    IN_REVIEW = "in_review", "in review"
    PUBLISHED = "published", "published"
    RETRACTED = "retracted", "retracted"


class Record(models.Model):
    """Fields and behaviour every record shares: a unique slug, timestamps, and its place in the
    editorial workflow (state, the reason for the last move, who last edited its content)."""

    slug = models.SlugField(max_length=120, unique=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = ModifiedAtField(default=timezone.now, editable=False)
    state = models.CharField(
        max_length=10,
        choices=ReviewState.choices,
        default=ReviewState.DRAFT,
        db_index=True,
        help_text="draft, in_review, published or retracted; moved by transitions only.",
    )
    state_rationale = models.TextField(
        blank=True, help_text="Why the record was last moved (sent back, retracted, reinstated)."
    )
    last_editor = models.ForeignKey(
        "auth.User",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who last changed the content: the second curator who publishes is not them.",
    )

    objects = SlugManager()

    class Meta:
        abstract = True

    def __str__(self):
        return self.slug

    def natural_key(self):
        return (self.slug,)


# A Wikidata item's id: Q and a number (Q7747 is Vladimir Putin). Checked everywhere it is stored.
WIKIDATA_ID = r"^Q[1-9][0-9]*$"
validate_wikidata = RegexValidator(
    WIKIDATA_ID, "A Wikidata id is Q and a number, e.g. Q7747.", code="invalid_wikidata"
)


class ActorKind(models.TextChoices):
    PERSON = "person", "person"
    STATE = "state", "state"
    ORGANISATION = "organisation", "organisation"
    MEDIA = "media", "media"


class Actor(Record):
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ActorKind.choices)
    title = models.CharField(max_length=300, blank=True, help_text="Role as given in the sources.")
    affiliation = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    aliases = models.JSONField(default=list, blank=True, help_text="Other names, as a list.")
    wikidata = models.CharField(
        max_length=20,
        blank=True,
        validators=[validate_wikidata],
        help_text="The Wikidata item, e.g. Q7747; only where it is certain.",
    )
    notes = models.TextField(blank=True)

    history = RecordHistory()

    class Meta:
        permissions = [("publish_actor", "Can publish actors")]
        ordering = ["name"]
        indexes = [
            models.Index(fields=["kind", "name"]),
            models.Index(fields=["wikidata"], name="actor_wikidata"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if not isinstance(self.aliases, list) or not all(
            isinstance(alias, str) for alias in self.aliases
        ):
            raise ValidationError({"aliases": "Aliases must be a list of strings."})
        if self.affiliation_id and self.pk and self.affiliation_id == self.pk:
            raise ValidationError({"affiliation": "An actor cannot be affiliated with itself."})


class Source(Record):
    title = models.CharField(max_length=500)
    publisher = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.PROTECT, related_name="published_sources"
    )
    author = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    published = EDTFField(help_text="EDTF, e.g. 2020-02-07, 2022-07 or 2017-10/2017-12.")
    published_start = models.DateField(blank=True, editable=False)
    published_end = models.DateField(blank=True, editable=False)
    published_precision = models.CharField(
        max_length=5, choices=Precision.choices, blank=True, editable=False
    )
    language = models.CharField(max_length=16, default="en")
    text = models.TextField(help_text="The document exactly as captured.")
    text_sha256 = TextDigestField(help_text="SHA-256 of the text (UTF-8), derived.")
    retrieved = EDTFField(
        blank=True, help_text="When the text was captured (EDTF), if known, e.g. 2018-07-18."
    )
    retrieved_start = models.DateField(null=True, blank=True, editable=False)
    retrieved_end = models.DateField(null=True, blank=True, editable=False)
    retrieved_precision = models.CharField(
        max_length=5, choices=Precision.choices, blank=True, editable=False
    )
    archive_url = models.URLField(
        max_length=1000, blank=True, help_text="An archived copy of the document, if any."
    )
    credits = models.ManyToManyField(
        Actor,
        related_name="credited_in",
        blank=True,
        help_text="Outlets or agencies the document credits for what it reports "
        "(e.g. 'As reports Reuters'); a report in it may be theirs.",
    )
    notes = models.TextField(blank=True, help_text="E.g. how a missing year was inferred.")

    history = RecordHistory(links=lambda source: source_links(source))

    class Meta:
        permissions = [("publish_source", "Can publish sources")]
        ordering = ["published_start", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(published_start__lte=F("published_end")),
                name="source_published_bounds_ordered",
            ),
        ]

    def __str__(self):
        return self.title

    def text_locator(self) -> quotes.Locator:
        """The text folded once for finding quotes in it: a write that checks and places every
        claim's quote (a change of text, a source added with its claims) reads it once."""
        cached = getattr(self, "_text_locator", None)
        if cached is None or cached[0] is not self.text:
            cached = self._text_locator = (self.text, quotes.Locator(self.text))
        return cached[1]

    def clean(self):
        super().clean()
        self.text_sha256 = text_digest(self.text or "")
        if self.pk is None or not self.text:
            return
        # A change of text must not orphan the quotes already marked in it.
        locator = self.text_locator()
        lost = [
            claim.slug
            for claim in self.claims.only("slug", "quote").exclude(quote="")
            if locator.locate(claim.quote) is None
        ]
        if lost:
            raise ValidationError(
                {"text": f"The new text no longer contains the quotes of: {', '.join(lost)}."}
            )


class Tag(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)

    objects = SlugManager()

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.slug

    def natural_key(self):
        return (self.slug,)


class Place(models.Model):
    """Where events happen: a point (WGS 84, as GeoJSON and every map reads it) with the ids the
    ecosystem knows it by. A country is a place too, at a representative point."""

    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=200)
    latitude = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    wikidata = models.CharField(
        max_length=20, blank=True, validators=[validate_wikidata], help_text="e.g. Q959"
    )
    geonames = models.PositiveIntegerField(
        null=True, blank=True, help_text="The GeoNames id, e.g. 2013348."
    )

    objects = SlugManager()

    class Meta:
        ordering = ["name", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90), name="place_latitude_range"
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180), name="place_longitude_range"
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class Event(Record):
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    date = EDTFField(help_text="EDTF, e.g. 2019-04-25, 2020-01, 2022-07~ or 2017?.")
    date_start = models.DateField(blank=True, editable=False)
    date_end = models.DateField(blank=True, editable=False)
    date_precision = models.CharField(
        max_length=5, choices=Precision.choices, blank=True, editable=False
    )
    date_span = models.PositiveIntegerField(
        blank=True,
        editable=False,
        help_text="Days from date_start to date_end; the longest bounds date-window queries.",
    )
    location = models.CharField(max_length=200, blank=True)
    place = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        help_text="Where it happened, on a map; location stays the words of the record.",
    )
    participants: models.ManyToManyField[Actor, EventActor] = models.ManyToManyField(
        Actor, through="EventActor", related_name="events", blank=True
    )
    tags = models.ManyToManyField(Tag, related_name="events", blank=True)
    # Where an event is reported is not stored here: its sources are those of its claims.
    notes = models.TextField(blank=True)

    history = RecordHistory(links=lambda event: event_links(event))

    class Meta:
        permissions = [("publish_event", "Can publish events")]
        ordering = ["date_start", "date_end", "title"]
        indexes = [
            models.Index(fields=["date_start", "date_end"], name="event_date_window"),
            models.Index(fields=["date_end"], name="event_date_end"),
            models.Index(fields=["date_span"], name="event_date_span"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_start__lte=F("date_end")), name="event_date_bounds_ordered"
            ),
        ]

    def __str__(self):
        return self.title


class EventActorManager(models.Manager):
    def get_by_natural_key(self, event_slug, actor_slug, role):
        return self.get(event__slug=event_slug, actor__slug=actor_slug, role=role)


class EventActor(models.Model):
    """An actor's part in an event: participant, host, target, ..."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participations")
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="participations")
    role = models.CharField(max_length=60, default="participant")

    objects = EventActorManager()

    class Meta:
        ordering = ["event", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "actor", "role"], name="event_actor_role_unique"
            ),
        ]

    def __str__(self):
        return f"{self.actor} ({self.role}) in {self.event}"

    def natural_key(self):
        return (self.event.slug, self.actor.slug, self.role)

    # Django's serializers read it off the method (an attribute no function type has).
    natural_key.dependencies = ["tracker.event", "tracker.actor"]  # type: ignore[attr-defined]


class ClaimStatus(models.TextChoices):
    UNVERIFIED = "unverified", "unverified"
    CORROBORATED = "corroborated", "corroborated"
    DISPUTED = "disputed", "disputed"
    REFUTED = "refuted", "refuted"


class ClaimKind(models.TextChoices):
    STATEMENT = "statement", "statement"  # a party is reported to have said it
    REPORT = "report", "report"  # the document's own narration, caption or figure


class Claim(Record):
    kind = models.CharField(
        max_length=10,
        choices=ClaimKind.choices,
        default=ClaimKind.STATEMENT,
        help_text="statement: a party is reported to have said it; report: the document's own "
        "narration, caption or figure (claimant: its author, else publisher, else the outlet "
        "it credits).",
    )
    text = models.TextField(help_text="The claim in the curator's words.")
    quote = models.TextField(
        blank=True, help_text="Verbatim from the source's text; empty for a paraphrase."
    )
    quote_start = models.PositiveIntegerField(null=True, blank=True, editable=False)
    quote_end = models.PositiveIntegerField(null=True, blank=True, editable=False)
    claimant = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="claims")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="claims")
    stated = EDTFField(help_text="When it was said (EDTF).")
    stated_start = models.DateField(blank=True, editable=False)
    stated_end = models.DateField(blank=True, editable=False)
    stated_precision = models.CharField(
        max_length=5, choices=Precision.choices, blank=True, editable=False
    )
    events = models.ManyToManyField(Event, related_name="claims", blank=True)
    status = models.CharField(
        max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.UNVERIFIED
    )
    related: models.ManyToManyField[Claim, ClaimRelation] = models.ManyToManyField(
        "self", through="ClaimRelation", symmetrical=False, related_name="related_from", blank=True
    )
    notes = models.TextField(
        blank=True, help_text="The curator's reasoning, shown to readers (e.g. why refuted)."
    )

    history = RecordHistory(links=lambda claim: claim_links(claim))

    class Meta:
        permissions = [("publish_claim", "Can publish claims")]
        ordering = ["stated_start", "id"]
        indexes = [
            models.Index(fields=["stated_start", "stated_end"], name="claim_stated_window"),
            models.Index(fields=["status"], name="claim_status"),
            models.Index(fields=["kind"], name="claim_kind"),
            # Counting a claimant's or a source's claims that readers may read (the stats) from
            # the index alone, as the counts without the state were.
            models.Index(fields=["claimant", "state"], name="claim_claimant_state"),
            models.Index(fields=["source", "state"], name="claim_source_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(stated_start__lte=F("stated_end")), name="claim_stated_bounds_ordered"
            ),
            models.CheckConstraint(
                condition=Q(quote_start__isnull=True) | Q(quote_start__lt=F("quote_end")),
                name="claim_quote_offsets_ordered",
            ),
        ]

    def __str__(self):
        return self.slug

    def clean(self):
        super().clean()
        self.locate_quote()

    def locate_quote(self) -> None:
        """Check the quote against the source's text and store where it stands in it.

        The source may be one not saved yet (a source added in the admin with its claims
        inline): its text is then the one being submitted, which is what the quote must match.
        """
        if not self.quote:
            self.quote_start = self.quote_end = None
            return
        if self.source_id is None and not Claim.source.is_cached(self):
            return  # the missing source is reported on its own field
        match = self.source.text_locator().locate(self.quote)
        if match is None:
            raise ValidationError(
                {
                    "quote": f"This quote does not appear in the text of the source "
                    f"'{self.source}'. Copy it verbatim from the text (only whitespace and "
                    "the style of quotation marks may differ)."
                }
            )
        self.quote_start, self.quote_end = match.start, match.end


class RelationType(models.TextChoices):
    SUPPORTS = "supports", "supports"
    CONTRADICTS = "contradicts", "contradicts"
    REPEATS = "repeats", "repeats"  # the same words, quoted again in another source


class ClaimRelationManager(models.Manager):
    def get_by_natural_key(self, from_slug, to_slug, type):
        return self.get(from_claim__slug=from_slug, to_claim__slug=to_slug, type=type)


class ClaimRelation(models.Model):
    """One claim supports, contradicts or repeats (the same words, in another source) another."""

    from_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="relations_out")
    to_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="relations_in")
    type = models.CharField(max_length=20, choices=RelationType.choices)
    note = models.TextField(blank=True)

    objects = ClaimRelationManager()

    class Meta:
        ordering = ["from_claim", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_claim", "to_claim", "type"], name="claim_relation_unique"
            ),
            models.CheckConstraint(
                condition=~Q(from_claim=F("to_claim")), name="claim_relation_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.from_claim} {self.type} {self.to_claim}"

    def natural_key(self):
        return (self.from_claim.slug, self.to_claim.slug, self.type)

    # Django's serializers read it off the method (an attribute no function type has).
    natural_key.dependencies = ["tracker.claim"]  # type: ignore[attr-defined]

    def clean(self):
        super().clean()
        if self.from_claim_id and self.from_claim_id == self.to_claim_id:
            raise ValidationError({"to_claim": "A claim cannot relate to itself."})


class RecordVersion(models.Model):
    """A single row that every write to the record moves forward: the HTTP caches' validator.

    Database triggers (installed by migrations, see ``tracker.record_version``) bump ``number``
    and ``changed`` on any insert, update or delete in the record's tables, bulk operations and
    raw SQL included, so a reader can tell in one cheap query whether anything changed.
    """

    number = models.PositiveBigIntegerField(default=0)
    changed = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="record_version_single_row")]

    def __str__(self):
        return f"version {self.number} at {self.changed:%Y-%m-%d %H:%M:%S}"


class ChangeKind(models.TextChoices):
    ACTOR = "actor", "actor"
    SOURCE = "source", "source"
    EVENT = "event", "event"
    CLAIM = "claim", "claim"


class ChangeType(models.TextChoices):
    CREATED = "created", "created"
    UPDATED = "updated", "updated"
    STATE = "state", "state"
    DELETED = "deleted", "deleted"


class Change(models.Model):
    """One row of the change feed (``/api/v1/changes/``, ``/feeds/changes.atom``): a record
    created, updated, moved to another review state or deleted.

    Written by ``tracker.changes`` with every history entry, in the write's transaction and after
    the record version's row is locked (``tracker.record_version``), so ids follow commit order:
    a reader who resumes after an id never misses a change committed later.
    """

    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    record_id = models.BigIntegerField()
    slug = models.SlugField(max_length=120)
    # The record's change number: 1 for its first change in the feed, one more for each after.
    version = models.PositiveIntegerField()
    time = models.DateTimeField()
    type = models.CharField(max_length=10, choices=ChangeType.choices)
    # The review state after the change (empty once deleted) and before it (empty when created).
    state = models.CharField(max_length=20, blank=True)
    state_before = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # A record's last change (the next one's version and state before it).
            models.Index(fields=["kind", "record_id", "id"], name="change_record"),
            # The feed of one kind, in order (?kind=).
            models.Index(fields=["kind", "id"], name="change_kind"),
        ]

    def __str__(self):
        return f"{self.kind} {self.slug} {self.type} (version {self.version})"


def claim_links(claim: Claim) -> dict:
    """What a claim's history keeps besides its fields: its events and outgoing relations."""
    relations = claim.relations_out.order_by("type", "to_claim__slug")
    return {
        "events": sorted(claim.events.values_list("slug", flat=True)),
        "relations": [
            {"type": type_, "claim": slug}
            for type_, slug in relations.values_list("type", "to_claim__slug")
        ],
    }


def source_links(source: Source) -> dict:
    """What a source's history keeps besides its fields: the outlets it credits."""
    return {"credits": sorted(source.credits.values_list("slug", flat=True))}


def event_links(event: Event) -> dict:
    """What an event's history keeps besides its fields: participants and tags."""
    participants = event.participations.order_by("actor__slug", "role")
    return {
        "actors": [
            {"actor": slug, "role": role}
            for slug, role in participants.values_list("actor__slug", "role")
        ],
        "tags": sorted(event.tags.values_list("slug", flat=True)),
    }


track_links(Claim.events, Event.tags, Source.credits)


class RejectedSuggestion(models.Model):
    """A suggested passage a curator turned down for a source: the workbench no longer offers
    it (``tracker.suggestions``). Not part of the record: no history, no API."""

    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="rejected_suggestions"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    when = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "start", "end"], name="rejected_suggestion_unique"
            ),
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="rejected_suggestion_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.source} [{self.start}:{self.end}] rejected"
