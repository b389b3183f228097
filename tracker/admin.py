"""The curators' admin: paste a source, mark its claims inline, see every quote in its text.

Writes keep the record's rules and its history: every save of a source, actor, event or claim
(with its inlines and links), every delete and the bulk status actions go through
``tracker.services``, and each leaves one history entry naming the curator. List pages select
their relations up front, so a page costs the same number of queries whatever its length.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin

from tracker import history, quotes, services, workbench
from tracker.models import (
    Actor,
    Claim,
    ClaimRelation,
    ClaimStatus,
    Event,
    EventActor,
    Place,
    Source,
    Tag,
)
from tracker.selectors import querysets


class CalendarEndChangeList(ChangeList):
    """Django's date hierarchy bounds a period by the start of the next one, which the last
    periods of the calendar (9999, 9999-12, 9999-12-31) do not have: bound those from below."""

    def get_filters_params(self, params=None):
        lookup = super().get_filters_params(params)
        field = self.date_hierarchy
        parts = [lookup.get(f"{field}__{part}") for part in ("year", "month", "day")]
        try:
            year, month, day = (int(part[-1]) if part else None for part in parts)
        except (TypeError, ValueError):
            return lookup  # Django's own checks answer for values that are not numbers
        if year == datetime.MAXYEAR and month in (None, 12) and day in (None, 31):
            for part in ("year", "month", "day"):
                lookup.pop(f"{field}__{part}", None)
            lookup[f"{field}__gte"] = [datetime.date(year, month or 1, day or 1).isoformat()]
        return lookup


class RecordedAdmin(SimpleHistoryAdmin):
    """Every save and delete through ``tracker.services``: a record with its links and inlines
    is one write (one transaction, one history entry naming the curator, reason "admin")."""

    reason = "admin"

    def get_changelist(self, request, **kwargs):
        return CalendarEndChangeList

    def save_model(self, request, obj, form, change):
        """Nothing yet: the record is saved with its links and inlines in save_related."""

    def save_related(self, request, form, formsets, change):
        def links():
            form.save_m2m()
            others = []
            for formset in formsets:
                others += self.save_formset(request, form, formset, change=change) or []
            self.after_related(request, form.instance)
            return others

        services.record_save(record=form.instance, by=request.user, reason=self.reason, links=links)

    def after_related(self, request, obj):
        """Hook: derived state to bring up to date once the inlines are saved."""

    def save_formset(self, request, form, formset, change):
        """An inline's rows, within the write of the record they belong to. A row that is a
        record itself (a claim marked under its source) is a write of its own, with its own
        entry; a row that is a link (a participant, a relation) is part of the parent's. Returns
        the records on the other side whose links changed (the claims linked to an event)."""
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            if history.tracker_of(type(obj)):
                services.record_delete(record=obj, by=request.user, reason=self.reason)
            else:
                obj.delete()
        for inline_form in formset.saved_forms:
            obj = inline_form.instance
            if history.tracker_of(type(obj)):
                services.record_save(
                    record=obj, by=request.user, reason=self.reason, links=_no_others(inline_form)
                )
            else:
                obj.save()
                inline_form.save_m2m()
        if formset.model is Claim.events.through:
            # Linking an event to a claim changes the claim: its own history shows it.
            rows = [
                *formset.new_objects,
                *(obj for obj, _ in formset.changed_objects),
                *formset.deleted_objects,
            ]
            return list(Claim.objects.filter(pk__in={row.claim_id for row in rows}).order_by("pk"))
        return []

    def delete_model(self, request, obj):
        services.record_delete(record=obj, by=request.user, reason=self.reason)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.record_delete(record=obj, by=request.user, reason=self.reason)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """The changes the API's history lists, with long values (a text) cut short."""
        entries = history.entries(self.model, historical_records)
        for record, entry in zip(historical_records, entries, strict=True):
            record.history_delta_changes = [
                {
                    "field": change["field"],
                    "old": _brief(change["old"]),
                    "new": _brief(change["new"]),
                }
                for change in entry["changes"]
            ]


def _no_others(inline_form):
    """The links of a record saved inline: its own many-to-many fields, none on the other side."""

    def links():
        inline_form.save_m2m()
        return []

    return links


def _brief(value):
    return "—" if value in (None, "", []) else Truncator(str(value)).chars(160)


# --- Actors ---------------------------------------------------------------------------------


@admin.register(Actor)
class ActorAdmin(RecordedAdmin):
    list_display = ["name", "kind", "title", "affiliation", "slug", "wikidata_link"]
    list_filter = ["kind"]
    list_select_related = ["affiliation"]
    search_fields = ["name", "slug", "title", "wikidata"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["affiliation"]
    readonly_fields = ["wikidata_link"]

    @admin.display(description="Wikidata", ordering="wikidata")
    def wikidata_link(self, actor):
        return _wikidata_link(actor.wikidata)


def _wikidata_link(wikidata: str):
    """The item's page on Wikidata, opened in a new tab; a dash when there is none."""
    if not wikidata:
        return "—"
    return format_html(
        '<a href="https://www.wikidata.org/wiki/{}" target="_blank" rel="noopener noreferrer">'
        "{}</a>",
        wikidata,
        wikidata,
    )


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "latitude", "longitude", "wikidata_link", "geonames"]
    search_fields = ["name", "slug", "wikidata"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["wikidata_link"]

    @admin.display(description="Wikidata", ordering="wikidata")
    def wikidata_link(self, place):
        return _wikidata_link(place.wikidata)


# --- Sources and the claims marked in them --------------------------------------------------


class SourceClaimForm(forms.ModelForm):
    """A claim marked under its source: the quote is checked against the text being submitted
    with it, even when the source is new; the slug is made from claimant and text if left out.
    """

    class Meta:
        model = Claim
        fields = [
            "kind",
            "claimant",
            "quote",
            "text",
            "stated",
            "status",
            "notes",
            "events",
            "slug",
        ]
        widgets = {
            "quote": forms.Textarea(attrs={"rows": 2}),
            "text": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = "Left empty: made from the claimant and the text."

    def clean(self):
        cleaned = super().clean()
        # The formset sets only source_id, which a new source does not have yet: give the claim
        # the source object itself, whose text is the one submitted in the same form.
        self.instance.source = self.fields["source"].parent_instance
        claimant, text = cleaned.get("claimant"), cleaned.get("text")
        if not cleaned.get("slug") and claimant and text:
            cleaned["slug"] = services.unique_slug(Claim, f"{claimant.slug} {text}", max_length=60)
        return cleaned


class ClaimInline(admin.StackedInline):
    model = Claim
    form = SourceClaimForm
    extra = 0
    autocomplete_fields = ["claimant", "events"]
    show_change_link = True
    classes = ["claims"]


@admin.register(Source)
class SourceAdmin(RecordedAdmin):
    list_display = ["title", "publisher", "author", "published", "language", "claim_count"]
    list_filter = ["publisher", "published_precision", "language"]
    list_select_related = ["publisher"]
    search_fields = ["title", "slug", "author", "text"]
    date_hierarchy = "published_start"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["publisher", "credits"]
    readonly_fields = [
        "highlighted_text", "published_start", "published_end", "published_precision",
        "text_sha256",
    ]  # fmt: skip

    class Media:
        css = {"all": ["tracker/admin.css"]}  # the highlighted text (no inline styles: CSP)

    fieldsets = [
        (None, {"fields": ["title", "slug", "publisher", "author", "credits", "url",
                           "published", "language"]}),
        ("Document", {"fields": ["text", "notes"], "description": "Paste the document exactly "
                      "as captured: the claims' quotes are checked against it."}),
        ("Capture", {"fields": ["retrieved", "archive_url", "text_sha256"],
                     "description": "Where the text came from: when it was captured, an "
                     "archived copy, and the SHA-256 of the text as stored."}),
        ("Claimed quotes", {"fields": ["highlighted_text"]}),
        ("Derived", {"fields": ["published_start", "published_end", "published_precision"],
                     "classes": ["collapse"]}),
    ]  # fmt: skip
    inlines = [ClaimInline]
    change_form_template = "admin/tracker/source/change_form.html"  # + the Annotate button

    def get_urls(self):
        return workbench.urls(self) + super().get_urls()  # the annotate page: tracker.workbench

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(claim_total=Count("claims"))

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # nothing is marked in a source being added
            return [fs for fs in self.fieldsets if fs[0] not in {"Claimed quotes", "Derived"}]
        return super().get_fieldsets(request, obj)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "text":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 18, "cols": 100})
            kwargs["strip"] = False  # the document exactly as captured
        if db_field.name in ("url", "archive_url"):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="claims", ordering="claim_total")
    def claim_count(self, source):
        return source.claim_total

    @admin.display(description="Text with the claimed quotes highlighted")
    def highlighted_text(self, source):
        claims = list(
            source.claims.exclude(quote_start=None).only(
                "slug", "status", "quote_start", "quote_end"
            )
        )
        spans = [(claim.quote_start, claim.quote_end) for claim in claims]
        pieces = format_html_join(
            "",
            "{}",
            (
                (_piece(source.text[start:end], [claims[i] for i in covering]),)
                for start, end, covering in quotes.segments(len(source.text), spans)
            ),
        )
        return format_html(
            '<div class="source-text">{}</div><p>{} quoted claim(s).</p>',
            pieces,
            len(claims),
        )

    def after_related(self, request, obj):
        services.relocate_quotes(obj)  # a changed text moves the quotes in it


def _piece(text: str, claims: list[Claim]) -> str:
    if not claims:
        return format_html("{}", text)
    return format_html(
        '<mark class="quote" data-claims="{}" title="{}">{}</mark>',
        " ".join(claim.slug for claim in claims),
        ", ".join(f"{claim.slug} ({claim.status})" for claim in claims),
        text,
    )


# --- Events ---------------------------------------------------------------------------------


class EventActorInline(admin.TabularInline):
    model = EventActor
    extra = 1
    autocomplete_fields = ["actor"]
    verbose_name = "participant"


class EventClaimInline(admin.TabularInline):
    model = Claim.events.through
    extra = 1
    autocomplete_fields = ["claim"]
    verbose_name = "claim about this event"
    verbose_name_plural = "claims about this event"


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["slug", "name"]
    search_fields = ["slug", "name"]


class AttestedFilter(admin.SimpleListFilter):
    """Events with evidence (a claim with a quote from its source) or without: the to-do list."""

    title = "attested"
    parameter_name = "attested"

    def lookups(self, request, model_admin):
        return [("yes", "attested"), ("no", "unattested")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(querysets.attested_events(self.value() == "yes"))
        return queryset


@admin.register(Event)
class EventAdmin(RecordedAdmin):
    list_display = ["title", "date", "date_precision", "location", "place", "is_attested"]
    list_filter = [AttestedFilter, "date_precision", "tags"]
    list_select_related = ["place"]
    search_fields = ["title", "slug", "summary", "location"]
    date_hierarchy = "date_start"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["tags", "place"]
    readonly_fields = ["date_start", "date_end", "date_precision"]
    inlines = [EventActorInline, EventClaimInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(attested=querysets.attested_events())

    @admin.display(description="attested", boolean=True, ordering="attested")
    def is_attested(self, event):
        return event.attested

    def change_view(self, request, object_id, form_url="", extra_context=None):
        event = self.get_object(request, object_id)
        if event is not None and request.method == "GET" and not event.attested:
            self.message_user(
                request,
                "This event is unattested: no claim with a quote from its source is attached "
                "to it. Add the passage that reports it as a claim (a report or a statement).",
                messages.WARNING,
            )
        return super().change_view(request, object_id, form_url, extra_context)


# --- Claims ---------------------------------------------------------------------------------


class RelationInline(admin.TabularInline):
    model = ClaimRelation
    fk_name = "from_claim"
    extra = 0
    autocomplete_fields = ["to_claim"]
    verbose_name = "relation to another claim"
    verbose_name_plural = (
        "relations to other claims (this claim supports, contradicts or repeats ...)"
    )


def _status_action(status: str):
    def set_status(modeladmin, request, queryset):
        count = services.claims_set_status(
            claims=queryset, status=status, by=request.user, reason=f"admin: mark {status}"
        )
        modeladmin.message_user(request, f"{count} claim(s) marked {status}.", messages.SUCCESS)

    set_status.__name__ = f"mark_{status}"
    return admin.action(description=f"Mark selected claims as {status}", permissions=["change"])(
        set_status
    )


@admin.register(Claim)
class ClaimAdmin(RecordedAdmin):
    list_display = ["slug", "kind", "claimant", "source", "stated", "status"]
    list_filter = [
        "kind",
        "status",
        ("claimant", admin.RelatedOnlyFieldListFilter),
        ("source", admin.RelatedOnlyFieldListFilter),
        ("source__publisher", admin.RelatedOnlyFieldListFilter),
        "stated_precision",
    ]
    list_select_related = ["claimant", "source"]
    search_fields = ["slug", "text", "quote", "claimant__name"]
    date_hierarchy = "stated_start"
    autocomplete_fields = ["claimant", "source", "events"]
    readonly_fields = ["quote_start", "quote_end", "stated_start", "stated_end", "stated_precision"]
    inlines = [RelationInline]
    actions = [_status_action(status) for status in ClaimStatus.values]

    def get_queryset(self, request):
        # The list shows a claim's source by its title; its text would be a large, unread load.
        queryset = super().get_queryset(request).select_related("claimant", "source")
        return queryset.defer("source__text")
