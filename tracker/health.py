"""The state of what a request needs: each database (the replica's replay lag too) and the cache.

``report()`` answers what ``GET /api/health/`` serves and the load balancer checks. The primary
is what the site cannot do without (its state decides the status code); a replica that is down
or behind only makes the site slower (reads fall back to the primary), so it is reported, not
fatal.
"""

from __future__ import annotations

from django.core.cache import caches
from django.db import DatabaseError, connections

from tracker import replication


def lsn_bytes(lsn: str) -> int:
    """A PostgreSQL WAL position ("16/B374D848") as a byte offset."""
    high, low = lsn.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def _failure(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def primary_state() -> dict:
    connection = connections[replication.PRIMARY]
    state: dict = {"role": "primary", "vendor": connection.vendor}
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_current_wal_lsn()::text")
                (state["wal_lsn"],) = cursor.fetchone()
            else:
                cursor.execute("SELECT 1")
                cursor.fetchone()
    except DatabaseError as error:
        connection.close()
        return {"state": "down", **state, "error": _failure(error)}
    return {"state": "up", **state}


def replica_state(primary_lsn: str | None) -> dict:
    """The replica's state and lag: bytes of the primary's WAL it has not replayed, and seconds
    since the last transaction it replayed while it has more to replay (0 when caught up)."""
    connection = connections[replication.REPLICA]
    # Where this process sends reads now (the primary for a while after the replica failed).
    reads = replication.PRIMARY if replication.replica_down() else replication.REPLICA
    state: dict = {"role": "replica", "vendor": connection.vendor, "reads": reads}
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
                "CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
                "ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
            )
            standby, replay_lsn, lag_seconds = cursor.fetchone()
    except DatabaseError as error:
        connection.close()
        return {"state": "down", **state, "error": _failure(error)}
    state.update(state="up", standby=standby)
    if standby:
        state["replay_lsn"] = replay_lsn
    if standby and replay_lsn and primary_lsn:
        state["lag_bytes"] = max(0, lsn_bytes(primary_lsn) - lsn_bytes(replay_lsn))
        state["lag_seconds"] = round(float(lag_seconds or 0), 3)
    return {"state": state.pop("state"), **state}


def cache_state() -> dict:
    cache = caches["default"]
    cache.has_key("tracker:health")  # a call to Redis: finds it gone, or back
    degraded = getattr(cache, "degraded", None)
    if degraded is None:
        return {"backend": type(cache).__name__, "state": "up"}
    return {"backend": "redis", "state": "local memory" if degraded else "up"}


def report() -> dict:
    databases = {replication.PRIMARY: primary_state()}
    if replication.replica_configured():
        databases[replication.REPLICA] = replica_state(databases["default"].get("wal_lsn"))
    if databases[replication.PRIMARY]["state"] != "up":
        status = "down"
    elif any(database["state"] != "up" for database in databases.values()):
        status = "degraded"
    else:
        status = "ok"
    return {"status": status, "databases": databases, "cache": cache_state()}
