"""The curators' admin: paste a source, mark its claims inline, see every quote in its text.

Writes keep the record's rules and its history: every save of a source, actor, event or claim
(with its inlines and links), every delete and the bulk status actions go through
``tracker.services``, and each leaves one history entry naming the curator. List pages select
their relations up front, so a page costs the same number of queries whatever its length.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import path
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
    ReviewState,
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


class ReviewActionForm(helpers.ActionForm):
    """The changelist's action bar, with the rationale a review action (and a change of status)
    carries: sending back, retracting and reinstating need one."""

    rationale = forms.CharField(
        required=False,
        label="Rationale:",
        widget=forms.TextInput(attrs={"size": 50, "placeholder": "why (needed to send back, "
                                      "retract or reinstate, and to change a status)"}),
    )  # fmt: skip


def _transition_action(name: str, to: str, description: str):
    """A changelist action that moves each selected record to ``to`` (services.transition), with
    the rationale typed in the action bar; a record the workflow refuses is named, not moved."""

    def act(modeladmin, request, queryset):
        rationale = request.POST.get("rationale", "")
        moved = 0
        for record in queryset.order_by("pk"):
            try:
                services.transition(
                    record=record, to=to, rationale=rationale, by=request.user,
                    reason=f"admin: {name.replace('_', ' ')}",
                )  # fmt: skip
                moved += 1
            except services.WorkflowError as error:
                modeladmin.message_user(request, f"{record}: {error.message}", messages.ERROR)
        if moved:
            label = to.replace("_", " ")
            modeladmin.message_user(request, f"{moved} record(s) now {label}.", messages.SUCCESS)

    act.__name__ = name
    return admin.action(description=description, permissions=["change"])(act)


REVIEW_ACTIONS = [
    _transition_action("submit", ReviewState.IN_REVIEW, "Submit selected for review"),
    _transition_action("approve", ReviewState.PUBLISHED, "Approve and publish selected"),
    _transition_action("send_back", ReviewState.DRAFT, "Send selected back to draft (rationale)"),
    _transition_action("retract", ReviewState.RETRACTED, "Retract selected (rationale)"),
    _transition_action("reinstate", ReviewState.IN_REVIEW, "Reinstate selected for review "
                       "(rationale)"),
]  # fmt: skip


def _changes_table(changes):
    rows = format_html_join(
        "",
        "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
        ((change["field"], _brief(change["old"]), _brief(change["new"])) for change in changes),
    )
    return format_html(
        '<table class="review-changes"><thead><tr><th>field</th><th>published</th>'
        "<th>now</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )


class RecordedAdmin(SimpleHistoryAdmin):
    """Every save and delete through ``tracker.services``: a record with its links and inlines
    is one write (one transaction, one history entry naming the curator, reason "admin").

    The review workflow: actions to submit, approve, send back, retract and reinstate (with the
    rationale typed beside them), a review queue of what is in review (oldest first, at
    ``review/``), and on a record's page what changed since its last published version."""

    reason = "admin"
    action_form = ReviewActionForm
    actions = REVIEW_ACTIONS

    def get_list_display(self, request):
        return [*super().get_list_display(request), "state"]

    def get_list_filter(self, request):
        return ["state", *super().get_list_filter(request)]

    def get_urls(self):
        opts = self.model._meta
        queue = path(
            "review/",
            self.admin_site.admin_view(self.review_queue),
            name=f"{opts.app_label}_{opts.model_name}_review",
        )
        return [queue, *super().get_urls()]

    def review_queue(self, request):
        """What waits for review, oldest first (by when it last changed: its submission)."""
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        waiting = self.model._default_manager.filter(state=ReviewState.IN_REVIEW).order_by(
            "updated", "pk"
        )
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": f"{opts.verbose_name_plural.capitalize()} waiting for review",
            "opts": opts,
            "waiting": [
                {
                    "record": record,
                    "changes": history.changes_since_published(self.model, record.pk),
                }
                for record in waiting
            ],
        }
        return TemplateResponse(request, "admin/tracker/review_queue.html", context)

    @admin.display(description="Changes since the last published version")
    def changes_since_published(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        changes = history.changes_since_published(self.model, obj.pk)
        if changes is None:
            return "Never published: all of it is new."
        if not changes:
            return "Nothing: it reads as it was published."
        return _changes_table(changes)

    def get_changelist(self, request, **kwargs):
        return CalendarEndChangeList

    def get_readonly_fields(self, request, obj=None):
        # A record's state moves through the review actions (services.transition) only.
        own = list(super().get_readonly_fields(request, obj))
        extra = ["state", "state_rationale"] + (["changes_since_published"] if obj else [])
        return [*own, *(name for name in extra if name not in own)]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        listed = {name for _, options in fieldsets for name in options.get("fields", [])}
        review = [
            name
            for name in ("state", "state_rationale", "changes_since_published")
            if name not in listed and (obj is not None or name != "changes_since_published")
        ]
        if review and self.fieldsets:  # declared fieldsets: review gets its own
            return [*fieldsets, ("Review", {"fields": review})]
        return fieldsets

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

        services.record_save(
            record=form.instance,
            by=request.user,
            reason=self.reason,
            links=links,
            rationale=form.cleaned_data.get("rationale", ""),
        )

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
                    record=obj,
                    by=request.user,
                    reason=self.reason,
                    links=_no_others(inline_form),
                    rationale=inline_form.cleaned_data.get("rationale", ""),
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


class StatusRationaleMixin:
    """A claim's form takes the rationale a change of its status needs (services keep it)."""

    def clean(self):
        cleaned = super().clean()
        changed = "status" in self.changed_data and self.instance.pk is not None
        if changed and not (cleaned.get("rationale") or "").strip():
            self.add_error("rationale", "A change of a claim's status needs a rationale: say why.")
        return cleaned


def rationale_field() -> forms.CharField:
    return forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why: needed when the status changes (the claim's history keeps it).",
    )


class SourceClaimForm(StatusRationaleMixin, forms.ModelForm):
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
            "rationale",
        ]
        widgets = {
            "quote": forms.Textarea(attrs={"rows": 2}),
            "text": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    rationale = rationale_field()

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
        try:
            count = services.claims_set_status(
                claims=queryset,
                status=status,
                rationale=request.POST.get("rationale", ""),
                by=request.user,
                reason=f"admin: mark {status}",
            )
        except ValidationError as error:
            for message in error.messages:
                modeladmin.message_user(request, message, messages.ERROR)
            return
        modeladmin.message_user(request, f"{count} claim(s) marked {status}.", messages.SUCCESS)

    set_status.__name__ = f"mark_{status}"
    return admin.action(description=f"Mark selected claims as {status}", permissions=["change"])(
        set_status
    )


class ClaimAdminForm(StatusRationaleMixin, forms.ModelForm):
    rationale = rationale_field()

    class Meta:
        model = Claim
        fields = "__all__"  # noqa: DJ007 (the admin's fieldsets say which are shown)


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
    form = ClaimAdminForm
    actions = [*REVIEW_ACTIONS, *(_status_action(status) for status in ClaimStatus.values)]

    def get_queryset(self, request):
        # The list shows a claim's source by its title; its text would be a large, unread load.
        queryset = super().get_queryset(request).select_related("claimant", "source")
        return queryset.defer("source__text")
