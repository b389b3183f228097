"""loaddata that validates: every record from a fixture passes full model validation.

Django's loaddata saves raw, skipping ``clean()``; the record's rules (EDTF dates, quotes that
stand in their source) must hold for fixtures too, so each object is validated (which also derives
its date bounds and quote offsets) before it is saved. One bad object and the whole load rolls back.

The load is recorded in the history of the records it creates or changes (one entry each, made
by no one, once all their links are loaded), so that a curator's first edit of a seed record
shows what it changed. Loading the same file again records nothing.
"""

from django.core.exceptions import ValidationError
from django.core.management import CommandError
from django.core.management.commands import loaddata
from simple_history.models import HistoricalChanges

from tracker import history


class Command(loaddata.Command):
    help = loaddata.Command.help + " Records are fully validated before they are saved."

    def loaddata(self, fixture_labels):
        self.loaded = []
        super().loaddata(fixture_labels)
        history.record_if_changed(self.loaded)

    def save_obj(self, obj):
        instance = obj.object
        if history.tracker_of(type(instance)) is not None:
            # Links are loaded after the record: its entry is written once the load is done.
            instance.skip_history_when_saving = True
            self.loaded.append(instance)
        # History rows are snapshots of past versions, loaded as they were (a dump moving the
        # record to another database carries them): today's rules do not apply to them.
        if instance._meta.app_label == "tracker" and not isinstance(instance, HistoricalChanges):
            if instance.pk is not None:
                # A reload matched this object to a stored one by its natural key: unique checks
                # must then exclude it, as they do for any edit.
                stored = type(instance)._default_manager.filter(pk=instance.pk).exists()
                instance._state.adding = not stored
            try:
                instance.full_clean()
            except ValidationError as error:
                label = getattr(instance, "slug", None) or instance
                raise CommandError(
                    f"{instance._meta.label} '{label}' is invalid: {error.message_dict}"
                ) from error
        return super().save_obj(obj)
