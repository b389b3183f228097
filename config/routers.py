"""Database routing for a primary with a read replica (enabled by DATABASE_REPLICA_URL).

Reads go to the replica, writes and migrations to the primary. A read inside a transaction
on the primary (a write in progress: a curator's save, the checks around it) stays on the
primary, so a request reads what it has just written. Across requests a replica may lag the
primary by its replication delay; see docs/deploy.md.
"""

from __future__ import annotations

from django.db import connections

PRIMARY, REPLICA = "default", "replica"


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the primary's rows: objects from either may relate

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
