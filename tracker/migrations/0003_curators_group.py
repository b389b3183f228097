"""The `curators` group: may add, change and delete every part of the record, and see history."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

RECORD = ["actor", "source", "event", "claim", "tag", "eventactor", "claimrelation"]
HISTORY = ["historicalactor", "historicalsource", "historicalevent", "historicalclaim"]


def codenames():
    actions = ("add", "change", "delete", "view")
    yield from (f"{action}_{model}" for model in RECORD for action in actions)
    yield from (f"view_{model}" for model in HISTORY)


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make sure they exist now.
    tracker = apps.get_app_config("tracker")
    tracker.models_module = True  # the migration state's app config has no module of its own
    create_permissions(tracker, apps=apps, verbosity=0)
    tracker.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="curators")
    wanted = list(codenames())
    permissions = Permission.objects.filter(content_type__app_label="tracker", codename__in=wanted)
    assert permissions.count() == len(wanted), "some tracker permissions are missing"
    group.permissions.add(*permissions)


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="curators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0002_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
