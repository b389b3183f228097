"""loaddata that validates: every record from a fixture passes full model validation.

Django's loaddata saves raw, skipping ``clean()``; the record's rules (EDTF dates, quotes that
stand in their source) must hold for fixtures too, so each object is validated (which also derives
its date bounds and quote offsets) before it is saved. One bad object and the whole load rolls back.

Two identifiers the seed record does not carry are filled in as each record is loaded, only
where the file leaves them empty: an event's ``place`` is the place its ``location`` names
(``tracker.places.place_for_location``, among the places already stored: load
``fixtures/places.json`` first, ``loaddata places record``), and an actor's ``wikidata`` is the id
``fixtures/actor_wikidata.json`` gives its slug. Loading the same files again changes nothing.

Every record is written through ``tracker.services.record_load`` within one
``tracker.services.batch``: the load is recorded in the history of the records it creates or
changes (one entry each, made by no one, with the change reason ``loaddata LABELS``, once all
their links are loaded), so that a curator's first edit of a seed record shows what it
changed. Loading the same file again records nothing.

A fixture is the published record: a record whose object in the file gives no ``state`` is
loaded as ``published`` (one that gives it, a dump of a draft, keeps it). A record already
stored in another state keeps that state, so loading the seed again does not republish what a
curator retracted or has in review.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError
from django.core.management.commands import loaddata
from simple_history.models import HistoricalChanges

from tracker import services
from tracker.models import Actor, Claim, Event, Place, Record, ReviewState, Source
from tracker.places import place_for_location

# {actor slug: Wikidata id}, kept beside the record (which does not carry them yet).
ACTOR_WIKIDATA = Path(settings.BASE_DIR) / "fixtures" / "actor_wikidata.json"


@contextmanager
def published_by_default() -> Iterator[None]:
    """While loading, a record the file gives no state is published: the deserializer fills a
    field the file leaves out with the field's default."""
    fields = [model._meta.get_field("state") for model in (Actor, Source, Event, Claim)]
    defaults = [field.default for field in fields]
    for field in fields:
        field.default = ReviewState.PUBLISHED
        field.__dict__.pop("_get_default", None)  # Django caches the default's getter
    try:
        yield
    finally:
        for field, default in zip(fields, defaults, strict=True):
            field.default = default
            field.__dict__.pop("_get_default", None)


class Command(loaddata.Command):
    help = loaddata.Command.help + " Records are fully validated before they are saved."

    def loaddata(self, fixture_labels):
        self._places = self._wikidata = None
        with (
            published_by_default(),
            services.batch(reason=f"loaddata {' '.join(fixture_labels)}"),
        ):
            super().loaddata(fixture_labels)

    def fill_identifiers(self, instance) -> None:
        """An event's place from its location, an actor's Wikidata id from the list beside the
        record, where the file gives none (see the module's doc)."""
        if isinstance(instance, Event) and instance.place_id is None and instance.location:
            if self._places is None:
                self._places = list(Place.objects.all())
            instance.place = place_for_location(instance.location, self._places)
        elif isinstance(instance, Actor) and not instance.wikidata:
            if self._wikidata is None:
                self._wikidata = (
                    json.loads(ACTOR_WIKIDATA.read_text(encoding="utf-8"))
                    if ACTOR_WIKIDATA.exists()
                    else {}
                )
            instance.wikidata = self._wikidata.get(instance.slug, "")

    def keep_stored_state(self, instance) -> None:
        """A stored record keeps its state, the reason for it and its last editor where the
        file says published (or nothing)."""
        if not isinstance(instance, Record) or instance.pk is None:
            return  # a change of the feed has a state too, but no review
        if instance.state != ReviewState.PUBLISHED:
            return
        stored = (
            type(instance)
            ._default_manager.filter(pk=instance.pk)
            .values_list("state", "state_rationale", "last_editor_id")
            .first()
        )
        if stored is not None and stored[0] != ReviewState.PUBLISHED:
            instance.state, instance.state_rationale, instance.last_editor_id = stored

    def save_obj(self, obj):
        instance = obj.object
        # History rows are snapshots of past versions, loaded as they were (a dump moving the
        # record to another database carries them): today's rules do not apply to them.
        if instance._meta.app_label != "tracker" or isinstance(instance, HistoricalChanges):
            return super().save_obj(obj)
        self.fill_identifiers(instance)
        self.keep_stored_state(instance)
        try:
            return services.record_load(
                record=instance, save=lambda: super(Command, self).save_obj(obj)
            )
        except ValidationError as error:
            label = getattr(instance, "slug", None) or instance
            raise CommandError(
                f"{instance._meta.label} '{label}' is invalid: {error.message_dict}"
            ) from error
