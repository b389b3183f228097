"""manage.py backup PATH: a consistent copy of the database, taken while the server writes.

SQLite: an online backup into one file (restore: stop the server, put the file in place of the
database, start it). PostgreSQL: ``pg_dump --format=custom`` (restore with ``pg_restore``). The
work is done by ``tracker.backups``; the restore steps are in docs/deploy.md.
"""

from pathlib import Path

from django.core.management import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from tracker.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Copy the database to PATH while the server goes on writing: SQLite's online backup, "
        "or pg_dump on PostgreSQL (docs/deploy.md: restore)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the file to write (replaced once the copy is whole)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database alias")

    def handle(self, *args, path, database, **options):
        connection = connections[database]
        target = Path(path).resolve()
        if not target.parent.is_dir():
            raise CommandError(f"No such directory: {target.parent}.")
        try:
            made = backup(connection.settings_dict, connection.vendor, target)
        except BackupError as error:
            raise CommandError(str(error)) from None
        counts = ", ".join(f"{n} {t.removeprefix('tracker_')}s" for t, n in made.rows.items())
        self.stdout.write(
            f"Backed up the {connection.vendor} database to {made.path} ({made.size} bytes"
            + (f"; {counts}" if counts else "")
            + ")."
        )
