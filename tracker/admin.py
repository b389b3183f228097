"""The curators' admin: every record with useful lists, search and filters."""

from django.contrib import admin

from tracker.models import Actor, Claim, ClaimRelation, Event, EventActor, Source, Tag


class EventActorInline(admin.TabularInline):
    model = EventActor
    extra = 1
    autocomplete_fields = ["actor"]


class ClaimInline(admin.StackedInline):
    model = Claim
    extra = 0
    fields = ["slug", "claimant", "quote", "text", "stated", "status", "events"]
    autocomplete_fields = ["claimant", "events"]
    show_change_link = True


class RelationInline(admin.TabularInline):
    model = ClaimRelation
    fk_name = "from_claim"
    extra = 0
    autocomplete_fields = ["to_claim"]


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "title", "affiliation", "slug"]
    list_filter = ["kind"]
    list_select_related = ["affiliation"]
    search_fields = ["name", "slug", "title"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["affiliation"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "publisher", "author", "published", "language"]
    list_filter = ["publisher", "published_precision", "language"]
    list_select_related = ["publisher"]
    search_fields = ["title", "slug", "author", "text"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["publisher"]
    readonly_fields = ["published_start", "published_end", "published_precision"]
    inlines = [ClaimInline]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["slug", "name"]
    search_fields = ["slug", "name"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "date", "date_precision", "location"]
    list_filter = ["date_precision", "tags"]
    search_fields = ["title", "slug", "summary", "location"]
    date_hierarchy = "date_start"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["tags", "sources"]
    readonly_fields = ["date_start", "date_end", "date_precision"]
    inlines = [EventActorInline]


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["slug", "claimant", "source", "stated", "status"]
    list_filter = ["status", "stated_precision", "source__publisher", "source", "claimant"]
    list_select_related = ["claimant", "source"]
    search_fields = ["slug", "text", "quote", "claimant__name"]
    date_hierarchy = "stated_start"
    autocomplete_fields = ["claimant", "source", "events"]
    readonly_fields = ["quote_start", "quote_end", "stated_start", "stated_end", "stated_precision"]
    inlines = [RelationInline]
