"""App configuration for the record."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate

# django-axes's records that curators may see and delete in the admin (deleting an access
# attempt lifts its lockout). Granted after every migrate, once axes's permissions exist.
LOCKOUT_PERMISSIONS = (
    "view_accessattempt",
    "delete_accessattempt",
    "view_accessfailurelog",
    "view_accesslog",
)


def grant_lockout_permissions(sender, app_config, using, **kwargs):
    if app_config.label != "axes":
        return
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.using(using).filter(name="curators").first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.using(using).filter(
                content_type__app_label="axes", codename__in=LOCKOUT_PERMISSIONS
            )
        )


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Timeline & claims"

    def ready(self):
        post_migrate.connect(grant_lockout_permissions, dispatch_uid="tracker-lockout-permissions")
