"""Database routing: a read with ``as_of`` to its snapshot, and a primary with a read replica
(enabled by DATABASE_REPLICA_URL).

Reads go to the replica, writes and migrations to the primary. A read inside a transaction
on the primary (a write in progress: a curator's save, the checks around it) stays on the
primary, so a request reads what it has just written; across requests a user who wrote reads
from the primary until the replica has replayed the write, and every read goes to the primary
while the replica is down (``tracker.replication``; see docs/deploy.md).
"""

from __future__ import annotations

from django.db import connections

from tracker import as_of, replication

PRIMARY, REPLICA = replication.PRIMARY, replication.REPLICA


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return replication.read_database(model)

    def db_for_write(self, model, **hints):
        replication.note_write()
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the primary's rows: objects from either may relate

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class AsOfRouter:
    """Reads of the record's tables during a read with ``as_of`` go to that moment's snapshot
    (``tracker.as_of``); every other read, and every write, is left to the next router (or the
    default database)."""

    def db_for_read(self, model, **hints):
        return as_of.alias_for(model)
