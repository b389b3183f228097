"""`make scaleout`: the tracker scaled out on one machine with the real parts, measured, undone.

On loopback, with Debian's packages and the project's own settings:

- a hot standby of the PostgreSQL primary (``pg_basebackup -R`` over a replication slot,
  streaming, its own port and data folder under a temporary folder, run as ``postgres`` with
  the cluster binaries of ``SCALEOUT_PG_BIN``);
- a Redis of its own (not the shared one on 6379: the run stops it on purpose);
- two gunicorn app servers with ``DATABASE_URL`` (the primary, database ``SCALEOUT_DB``),
  ``DATABASE_REPLICA_URL`` (the standby) and ``REDIS_URL``;
- HAProxy in front, checking ``GET /api/health/`` on each.

It loads the record, shows by the databases themselves (``pg_stat_activity``, each connection
named by ``application_name``) where reads go, drives the balancer with wrk (one and two app
servers), measures the standby's lag under writes, runs the faults (the standby stopped and
started again, Redis stopped, an app server stopped) and checks that none answered a 500, lost
a write or showed a curator a stale copy of their own write. Everything it started or changed
is undone at the end, on failure, on Ctrl-C and on SCALEOUT_TIMEOUT alike: the standby and its
folder, the replication slot, the ``pg_hba.conf`` line that lets it replicate (put first, marked,
removed; the primary's configuration is reloaded, never restarted), the database.

``SCALEOUT_SMALL=1`` (``make scaleout-ci``) runs the small form CI runs: the standby, two app
servers, the balancer, a short wrk and the standby fault. Settings (environment): SCALEOUT_DB
(scaleout), SCALEOUT_PRIMARY_PORT (5432), SCALEOUT_STANDBY_PORT (5433), SCALEOUT_PORT (9300:
the balancer; the app servers take the next two, Redis SCALEOUT_REDIS_PORT, 9379),
SCALEOUT_WORKERS (gunicorn workers per app server, 2), SCALEOUT_DURATION (seconds of each wrk
run: 10, small 4), SCALEOUT_CONNECTIONS (wrk connections, 8), SCALEOUT_TIMEOUT (the whole run,
seconds: 1200, small 600). Exit status 0 only if every check passed.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import pwd
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("SCALEOUT_PG_BIN", "/usr/lib/postgresql/15/bin"))
SMALL = os.environ.get("SCALEOUT_SMALL", "").strip().lower() in {"1", "true", "yes", "on"}
DB = os.environ.get("SCALEOUT_DB", "scaleout")
HOST = "127.0.0.1"
PRIMARY_PORT = int(os.environ.get("SCALEOUT_PRIMARY_PORT", "5432"))
STANDBY_PORT = int(os.environ.get("SCALEOUT_STANDBY_PORT", "5433"))
BALANCER_PORT = int(os.environ.get("SCALEOUT_PORT", "9300"))
APP_PORTS = (BALANCER_PORT + 1, BALANCER_PORT + 2)
REDIS_PORT = int(os.environ.get("SCALEOUT_REDIS_PORT", "9379"))
WORKERS = int(os.environ.get("SCALEOUT_WORKERS", "2"))
DURATION = int(os.environ.get("SCALEOUT_DURATION", "4" if SMALL else "10"))
CONNECTIONS = int(os.environ.get("SCALEOUT_CONNECTIONS", "8"))
TIMEOUT = int(os.environ.get("SCALEOUT_TIMEOUT", "600" if SMALL else "1200"))
SLOT = "tracker_scaleout"
STANDBY_NAME = "tracker-scaleout-standby"
HBA_LINE = "host replication postgres 127.0.0.1/32 trust  # tracker make scaleout; removed after"


class Failed(Exception):
    """A check of the run did not hold."""


# -- undoing what the run did ------------------------------------------------------------------


class Teardown:
    """What to undo, last first; run once, whatever ends the run."""

    def __init__(self):
        self.steps: list[tuple[str, object]] = []

    def push(self, what: str, undo) -> None:
        self.steps.append((what, undo))

    def run(self) -> None:
        if self.steps:
            print("== teardown")
        while self.steps:
            what, undo = self.steps.pop()
            try:
                undo()
                print(f"  {what}")
            except Exception as error:  # noqa: BLE001 - the rest must be undone all the same
                print(f"  {what}: FAILED ({error})")


def _raise_exit(signum, frame):
    raise SystemExit(128 + signum)


def _raise_timeout(signum, frame):
    raise Failed(f"the run took longer than SCALEOUT_TIMEOUT ({TIMEOUT} s)")


# -- PostgreSQL --------------------------------------------------------------------------------


def sql(port: int, query: str, params=(), dbname: str = "postgres"):
    """Rows of one statement on the server at ``port`` (autocommit, a connection of its own)."""
    with psycopg.connect(
        host=HOST,
        port=port,
        user="postgres",
        dbname=dbname,
        autocommit=True,
        connect_timeout=5,
        application_name="tracker-scaleout",
    ) as connection:
        cursor = connection.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def as_postgres(*command: str) -> list[str]:
    """A command run as the postgres user (the cluster binaries refuse root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    if pwd.getpwuid(os.geteuid()).pw_name == "postgres":
        return list(command)
    raise Failed("run as root or as postgres: the standby's cluster runs as postgres")


def run(command: list[str], timeout: int = 300, **kwargs) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    if result.returncode != 0:
        raise Failed(f"{' '.join(command[:4])} ...: {(result.stderr or result.stdout).strip()}")
    return result.stdout


def lsn_bytes(lsn: str) -> int:
    high, low = lsn.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def wait_for(what: str, check, timeout: float = 30, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as error:  # noqa: BLE001 - not up yet
            last = error
        time.sleep(interval)
    raise Failed(f"{what} not within {timeout:.0f} s{f' ({last})' if last else ''}")


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((HOST, port)) != 0


# -- HTTP ----------------------------------------------------------------------------------------


def request(port, method, path, body=None, headers=None, timeout=30):
    """(status, headers with lower-case names, parsed JSON or None). Every read is computed
    afresh (``Cache-Control: no-cache``): the record cache would answer a repeat from Redis
    without a query, and this run is about where the database reads go."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        payload = None if body is None else json.dumps(body).encode()
        sent = {"Accept": "application/json", "Cache-Control": "no-cache", **(headers or {})}
        if payload is not None:
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        content = response.read()
        try:
            parsed = json.loads(content) if content else None
        except ValueError:
            parsed = None
        return response.status, {k.lower(): v for k, v in response.getheaders()}, parsed
    finally:
        connection.close()


# -- the parts -----------------------------------------------------------------------------------


class Cluster:
    def __init__(self, workdir: Path, teardown: Teardown):
        self.workdir = workdir
        self.teardown = teardown
        self.standby_dir = workdir / "standby"
        self.log = workdir / "standby.log"

    def prepare_primary(self) -> None:
        wal_level = sql(PRIMARY_PORT, "SHOW wal_level")[0][0]
        senders = int(sql(PRIMARY_PORT, "SHOW max_wal_senders")[0][0])
        if wal_level not in {"replica", "logical"} or senders < 1:
            raise Failed(f"the primary cannot stream (wal_level={wal_level}, senders={senders})")
        hba = Path(sql(PRIMARY_PORT, "SHOW hba_file")[0][0])
        lines = hba.read_text().splitlines(keepends=True)
        kept = [line for line in lines if line.strip() != HBA_LINE]  # a killed run's line
        hba.write_text(HBA_LINE + "\n" + "".join(kept))
        self.teardown.push(f"removed the replication line from {hba}; reloaded", self._unhba)
        self.hba = hba
        sql(PRIMARY_PORT, "SELECT pg_reload_conf()")
        time.sleep(0.5)

    def _unhba(self) -> None:
        text = self.hba.read_text()
        self.hba.write_text(
            "".join(line for line in text.splitlines(keepends=True) if line.strip() != HBA_LINE)
        )
        sql(PRIMARY_PORT, "SELECT pg_reload_conf()")

    def _drop_slot(self) -> None:
        sql(
            PRIMARY_PORT,
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
            "WHERE slot_name = %s AND NOT active",
            [SLOT],
        )

    def start_standby(self) -> None:
        self._drop_slot()  # a killed run's slot would hold WAL on the primary forever
        self.teardown.push(f"dropped the replication slot {SLOT}", self._drop_slot)
        self.standby_dir.mkdir(mode=0o700)
        shutil.chown(self.standby_dir, "postgres", "postgres")
        started = time.monotonic()
        run(
            as_postgres(
                str(PG_BIN / "pg_basebackup"),
                "-h",
                HOST,
                "-p",
                str(PRIMARY_PORT),
                "-U",
                "postgres",
                "-D",
                str(self.standby_dir),
                "-R",
                "-X",
                "stream",
                "-C",
                "-S",
                SLOT,
                "--checkpoint=fast",
                "--no-sync",
            ),
            timeout=600,
        )
        self.basebackup_seconds = time.monotonic() - started
        # The primary's settings that a hot standby must at least match.
        limits = {
            name: sql(PRIMARY_PORT, f"SHOW {name}")[0][0]
            for name in (
                "max_connections",
                "max_worker_processes",
                "max_wal_senders",
                "max_prepared_transactions",
                "max_locks_per_transaction",
            )
        }
        conf = {
            "port": STANDBY_PORT,
            "listen_addresses": f"'{HOST}'",
            "unix_socket_directories": f"'{self.standby_dir}'",
            "cluster_name": f"'{STANDBY_NAME}'",
            "hot_standby": "on",
            "hot_standby_feedback": "on",
            "shared_buffers": "'64MB'",
            "wal_receiver_status_interval": "'1s'",
            "ssl": "off",
            "fsync": "off",
            **limits,
        }
        # Debian keeps the primary's configuration in /etc: the copy has none of its own.
        (self.standby_dir / "postgresql.conf").write_text(
            "".join(f"{key} = {value}\n" for key, value in conf.items())
        )
        (self.standby_dir / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        )
        (self.standby_dir / "pg_ident.conf").write_text("")
        for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
            shutil.chown(self.standby_dir / name, "postgres", "postgres")
        self.log.touch()
        shutil.chown(self.log, "postgres", "postgres")
        self.teardown.push("stopped the standby", lambda: self.stop(mode="fast", quiet=True))
        self.start()
        wait_for("streaming replication", self.streaming, timeout=60)

    def start(self) -> None:
        run(
            as_postgres(
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.standby_dir),
                "-l",
                str(self.log),
                "-w",
                "-t",
                "60",
                "start",
            ),
            timeout=90,
        )

    def stop(self, mode: str = "fast", quiet: bool = False) -> None:
        if not (self.standby_dir / "postmaster.pid").exists():
            return
        run(
            as_postgres(
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.standby_dir),
                "-m",
                mode,
                "-w",
                "-t",
                "60",
                "stop",
            ),
            timeout=90,
        )

    def streaming(self) -> bool:
        rows = sql(
            PRIMARY_PORT,
            "SELECT state FROM pg_stat_replication WHERE application_name = %s",
            [STANDBY_NAME],
        )
        return bool(rows) and rows[0][0] == "streaming"

    def lag(self) -> tuple[int, float]:
        """(bytes of WAL the standby has not replayed, its replay lag in seconds) by the primary."""
        rows = sql(
            PRIMARY_PORT,
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint, "
            "COALESCE(EXTRACT(EPOCH FROM replay_lag), 0)::float FROM pg_stat_replication "
            "WHERE application_name = %s",
            [STANDBY_NAME],
        )
        if not rows or rows[0][0] is None:
            return -1, -1.0
        return int(rows[0][0]), float(rows[0][1])

    def caught_up(self) -> bool:
        (primary,) = sql(PRIMARY_PORT, "SELECT pg_current_wal_lsn()::text")[0]
        (replayed,) = sql(STANDBY_PORT, "SELECT pg_last_wal_replay_lsn()::text")[0]
        return lsn_bytes(replayed) >= lsn_bytes(primary)


class Process:
    """A foreground program of the run, in a session of its own, its output in a log file."""

    def __init__(self, name: str, command: list[str], log: Path, env=None):
        self.name, self.command, self.log, self.env = name, command, log, env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def app_environment(name: str, workdir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "REDIS_", "THROTTLE_", "DJANGO_ENV", "SQLITE"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        DATABASE_URL=f"postgres://postgres@{HOST}:{PRIMARY_PORT}/{DB}",
        DATABASE_REPLICA_URL=f"postgres://postgres@{HOST}:{STANDBY_PORT}/{DB}",
        DATABASE_APPLICATION_NAME=name,
        DATABASE_REPLICA_RETRY="1",  # the fault runs want the replica back within a second
        REDIS_URL=f"redis://{HOST}:{REDIS_PORT}/0",
        REDIS_RETRY="1",
        # One client address (wrk's) sends everything: the limits are kept, high, so throttling
        # counts in Redis (and in memory while Redis is down) without refusing the benchmark.
        THROTTLE_ANON_RATE="10000000/min",
        THROTTLE_USER_RATE="10000000/min",
        TRUSTED_PROXIES=HOST,
        NUM_PROXIES="1",
        STATIC_ROOT=str(workdir / "static"),
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env, *args: str, timeout: int = 600) -> str:
    return run([sys.executable, "manage.py", *args], timeout=timeout, cwd=ROOT, env=env)


HAPROXY_CONFIG = """\
global
    maxconn 2000
    stats socket {socket} mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 3
    option redispatch
    # A request that found its server gone (refused, or closed without an answer) goes to the
    # other one; reads are idempotent.
    retry-on conn-failure empty-response
    option forwardfor

frontend tracker
    bind {host}:{port}
    http-request set-header X-Forwarded-Proto http
    default_backend apps

backend apps
    balance roundrobin
    option httpchk
    http-check send meth GET uri /api/health/ ver HTTP/1.1 hdr Host {host}
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
{servers}
"""


class Balancer(Process):
    def __init__(self, workdir: Path):
        self.socket_path = workdir / "haproxy.sock"
        config = workdir / "haproxy.cfg"
        servers = "\n".join(
            f"    server app{index} {HOST}:{port} check" for index, port in enumerate(APP_PORTS, 1)
        )
        config.write_text(
            HAPROXY_CONFIG.format(
                socket=self.socket_path, host=HOST, port=BALANCER_PORT, servers=servers
            )
        )
        super().__init__("haproxy", ["haproxy", "-db", "-f", str(config)], workdir / "haproxy.log")

    def admin(self, line: str) -> str:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(str(self.socket_path))
            sock.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def states(self) -> dict[str, str]:
        """Each app server's state as HAProxy sees it (UP, DOWN, MAINT)."""
        lines = self.admin("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        found = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(","), strict=False))
            if row.get("pxname") == "apps" and row.get("svname", "").startswith("app"):
                found[row["svname"]] = row["status"].split()[0]
        return found


# -- load ----------------------------------------------------------------------------------------

WRK_SCRIPT = """\
local paths = {paths}
local counter = 0
local threads = {{}}
wrk.headers["Accept"] = "application/json"
-- computed afresh, as bench/run.py does: the record cache would answer repeats without a query
wrk.headers["Cache-Control"] = "no-cache"

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  s2, s3, s4, s5 = 0, 0, 0, 0
  counter = wrk.thread:get("id")
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

function response(status, headers, body)
  if status >= 500 then s5 = s5 + 1
  elseif status >= 400 then s4 = s4 + 1
  elseif status >= 300 then s3 = s3 + 1
  else s2 = s2 + 1 end
end

function done(summary, latency, requests)
  local t = {{0, 0, 0, 0}}
  for _, thread in ipairs(threads) do
    t[1] = t[1] + thread:get("s2"); t[2] = t[2] + thread:get("s3")
    t[3] = t[3] + thread:get("s4"); t[4] = t[4] + thread:get("s5")
  end
  local e = summary.errors
  io.write(string.format(
    'SCALEOUT {{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, ' ..
    '"s2xx": %d, "s3xx": %d, "s4xx": %d, "s5xx": %d, "socket_errors": %d}}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, t[1], t[2], t[3], t[4],
    e.connect + e.read + e.write + e.timeout))
end
"""


def wrk(script: Path, seconds: int, connections: int = CONNECTIONS) -> dict:
    output = run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://{HOST}:{BALANCER_PORT}",
        ],
        timeout=seconds + 60,
    )
    line = next(line for line in output.splitlines() if line.startswith("SCALEOUT "))
    figures = json.loads(line.removeprefix("SCALEOUT "))
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def wrk_line(figures: dict) -> str:
    return (
        f"{figures['rps']:7.1f} req/s  p50 {figures['p50_ms']:6.1f} ms  "
        f"p99 {figures['p99_ms']:6.1f} ms  2xx {figures['s2xx']}  4xx {figures['s4xx']}  "
        f"5xx {figures['s5xx']}  socket errors {figures['socket_errors']}"
    )


class Writer(threading.Thread):
    """A curator saving one claim's notes over and over through the balancer, reading each save
    back at once: ``acknowledged`` are the saves answered 200, ``stale`` the read-backs that did
    not show the save (read-your-writes broken), ``errors`` anything else unexpected."""

    def __init__(self, token: str, claim_id: int, label: str):
        super().__init__(daemon=True)
        self.auth = {"Authorization": f"Token {token}"}
        self.path = f"/api/v1/claims/{claim_id}/"
        self.label = label
        self.stop_event = threading.Event()
        self.acknowledged: list[str] = []
        self.stale = 0
        self.conflicts = 0
        self.errors: list[str] = []

    def run(self) -> None:
        etag = None
        number = 0
        while not self.stop_event.is_set():
            try:
                if etag is None:
                    status, headers, _ = request(BALANCER_PORT, "GET", self.path, headers=self.auth)
                    if status != 200:
                        self.errors.append(f"GET {status}")
                        time.sleep(0.1)
                        continue
                    etag = headers["etag"]
                number += 1
                notes = f"{self.label} {number}"
                status, headers, _ = request(
                    BALANCER_PORT,
                    "PATCH",
                    self.path,
                    {"notes": notes},
                    headers={**self.auth, "If-Match": etag},
                )
                if status == 412:  # another writer saved first: read again, nothing lost
                    self.conflicts += 1
                    etag = None
                    continue
                if status != 200:
                    self.errors.append(f"PATCH {status}")
                    etag = None
                    continue
                self.acknowledged.append(notes)
                status, headers, body = request(BALANCER_PORT, "GET", self.path, headers=self.auth)
                if status != 200:
                    self.errors.append(f"GET after PATCH {status}")
                    etag = None
                    continue
                if body["notes"] != notes:
                    self.stale += 1
                etag = headers["etag"]
            except OSError as error:
                self.errors.append(f"{type(error).__name__}: {error}")
                etag = None

    def finish(self) -> None:
        self.stop_event.set()
        self.join(timeout=60)


# -- the run -------------------------------------------------------------------------------------


class Run:
    def __init__(self, teardown: Teardown):
        self.teardown = teardown
        self.workdir = Path(tempfile.mkdtemp(prefix="tracker-scaleout-"))
        self.workdir.chmod(0o755)  # the postgres user writes the standby's folder in it
        (self.workdir / "static").mkdir()
        teardown.push(f"removed {self.workdir}", lambda: shutil.rmtree(self.workdir, True))
        self.cluster = Cluster(self.workdir, teardown)
        self.failures: list[str] = []
        self.figures: dict = {}

    def check(self, ok: bool, what: str) -> None:
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            self.failures.append(what)

    # -- set-up

    def preflight(self) -> None:
        missing = [tool for tool in ("wrk", "haproxy", "redis-server") if not shutil.which(tool)]
        missing += [
            str(PG_BIN / b) for b in ("pg_basebackup", "pg_ctl") if not (PG_BIN / b).exists()
        ]
        if missing:
            raise Failed(
                f"missing: {', '.join(missing)} (make scaleout-deps installs them as root)"
            )
        wait_for("the primary", lambda: sql(PRIMARY_PORT, "SELECT 1"), timeout=10)
        busy = [
            p for p in (STANDBY_PORT, BALANCER_PORT, *APP_PORTS, REDIS_PORT) if not port_free(p)
        ]
        if busy:
            raise Failed(f"ports in use: {busy}")
        load = os.getloadavg()
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        self.machine = (
            f"{os.cpu_count()} CPUs ({cpu}), load average {load[0]:.2f} {load[1]:.2f} "
            f"{load[2]:.2f} at the start; PostgreSQL "
            f"{sql(PRIMARY_PORT, 'SHOW server_version')[0][0]}; {platform.platform()}"
        )
        print(f"== machine: {self.machine}")

    def load_database(self) -> None:
        print(f"== database {DB} on the primary: migrate, load the record, a curator")
        sql(PRIMARY_PORT, f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        sql(PRIMARY_PORT, f'CREATE DATABASE "{DB}"')
        self.teardown.push(
            f"dropped the database {DB}",
            lambda: sql(PRIMARY_PORT, f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'),
        )
        env = {**app_environment("tracker-scaleout-setup", self.workdir)}
        env.pop("DATABASE_REPLICA_URL")
        env.pop("REDIS_URL")
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "loaddata", "places", "record", "-v0")
        self.token = manage(env, "curator", "scaleout-curator", "--no-password", "--token").strip()
        rows = sql(PRIMARY_PORT, "SELECT id FROM tracker_claim ORDER BY id LIMIT 3", dbname=DB)
        self.claims = [row[0] for row in rows]
        events = sql(PRIMARY_PORT, "SELECT id FROM tracker_event ORDER BY id LIMIT 2", dbname=DB)
        actor = sql(PRIMARY_PORT, "SELECT id FROM tracker_actor ORDER BY id LIMIT 1", dbname=DB)
        paths = [
            "/api/v1/events/?date_from=2019&date_to=2019",
            "/api/v1/events/",
            "/api/v1/claims/?page_size=20",
            f"/api/v1/events/{events[0][0]}/",
            f"/api/v1/claims/{self.claims[1]}/",
            f"/api/v1/actors/{actor[0][0]}/",
            "/api/v1/stats/timeline/?bucket=year",
        ]
        self.wrk_script = self.workdir / "reads.lua"
        lua_paths = "{" + ", ".join(json.dumps(path) for path in paths) + "}"
        self.wrk_script.write_text(WRK_SCRIPT.format(paths=lua_paths))
        self.paths = paths

    def start_redis(self) -> None:
        self.redis = Process(
            "redis",
            [
                "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                HOST,
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            self.workdir / "redis.log",
        )
        self.redis.start()
        self.teardown.push(f"stopped Redis on {REDIS_PORT}", self.redis.stop)
        wait_for("Redis", lambda: self._redis_ping(), timeout=15)

    def _redis_ping(self) -> bool:
        with socket.create_connection((HOST, REDIS_PORT), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def start_apps(self) -> None:
        self.apps = []
        for index, port in enumerate(APP_PORTS, 1):
            name = f"tracker-app{index}"
            app = Process(
                name,
                [
                    str(BIN / "gunicorn"),
                    "config.wsgi",
                    "--bind",
                    f"{HOST}:{port}",
                    "--workers",
                    str(WORKERS),
                    "--timeout",
                    "30",
                    "--graceful-timeout",
                    "10",
                    "--log-level",
                    "warning",
                ],
                self.workdir / f"{name}.log",
                env=app_environment(name, self.workdir),
            )
            app.port = port
            app.start()
            self.teardown.push(f"stopped {name} on {port}", app.stop)
            self.apps.append(app)
        for app in self.apps:
            wait_for(
                f"{app.name}'s health",
                lambda app=app: request(app.port, "GET", "/api/health/", timeout=5)[0] == 200,
                timeout=60,
            )

    def start_balancer(self) -> None:
        self.balancer = Balancer(self.workdir)
        self.balancer.start()
        self.teardown.push(f"stopped HAProxy on {BALANCER_PORT}", self.balancer.stop)
        wait_for(
            "HAProxy to see both app servers up",
            lambda: set(self.balancer.states().values()) == {"UP"},
            timeout=30,
        )

    # -- evidence from the databases

    def clock(self):
        return sql(PRIMARY_PORT, "SELECT clock_timestamp()")[0][0]

    def readers_since(self, port: int, since) -> dict[str, int]:
        """App servers' connections on a server that read the record since ``since``, by
        application_name (pg_stat_activity keeps each connection's last statement)."""
        rows = sql(
            port,
            "SELECT application_name, count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND application_name LIKE 'tracker-app%%' AND query_start >= %s "
            "AND query ~ 'FROM \"tracker_(claim|event|actor|source)' GROUP BY 1 ORDER BY 1",
            [DB, since],
        )
        return dict(rows)

    def where(self, since) -> str:
        primary = self.readers_since(PRIMARY_PORT, since)
        standby = self.readers_since(STANDBY_PORT, since)
        return f"primary {primary or '{}'}, standby {standby or '{}'}"

    # -- the phases

    def routing(self) -> None:
        print("== where reads go, by pg_stat_activity on each server")
        claim = f"/api/v1/claims/{self.claims[0]}/"
        auth = {"Authorization": f"Token {self.token}"}
        since = self.clock()
        time.sleep(0.01)
        for _ in range(8):
            request(BALANCER_PORT, "GET", claim)
        primary, standby = (
            self.readers_since(PRIMARY_PORT, since),
            self.readers_since(STANDBY_PORT, since),
        )
        print(f"  anonymous reads: {self.where(since)}")
        self.check(bool(standby) and not primary, "anonymous reads ran on the standby only")

        sql(STANDBY_PORT, "SELECT pg_wal_replay_pause()")
        try:
            status, headers, body = request(BALANCER_PORT, "GET", claim, headers=auth)
            notes = f"read-your-writes {time.time():.0f}"
            status, _, _ = request(
                BALANCER_PORT,
                "PATCH",
                claim,
                {"notes": notes},
                headers={**auth, "If-Match": headers["etag"]},
            )
            self.check(status == 200, f"the curator's save answered 200 (got {status})")
            since = self.clock()
            time.sleep(0.01)
            seen = [
                request(BALANCER_PORT, "GET", claim, headers=auth)[2]["notes"] for _ in range(4)
            ]
            curator_where = self.readers_since(PRIMARY_PORT, since)
            print(f"  the curator's reads, standby replay paused: {self.where(since)}")
            self.check(
                all(value == notes for value in seen) and bool(curator_where),
                "the curator read their save, from the primary",
            )
            anonymous = request(BALANCER_PORT, "GET", claim)[2]["notes"]
            self.check(
                anonymous != notes,
                "an anonymous reader still saw the standby's older copy meanwhile",
            )
        finally:
            sql(STANDBY_PORT, "SELECT pg_wal_replay_resume()")
        wait_for("the standby to replay the save", self.cluster.caught_up, timeout=30)
        request(BALANCER_PORT, "GET", claim, headers=auth)  # both app servers drop the pin
        request(BALANCER_PORT, "GET", claim, headers=auth)
        since = self.clock()
        time.sleep(0.01)
        seen = [request(BALANCER_PORT, "GET", claim, headers=auth)[2]["notes"] for _ in range(4)]
        print(f"  the curator's reads once the standby replayed the save: {self.where(since)}")
        self.check(
            all(value == notes for value in seen)
            and bool(self.readers_since(STANDBY_PORT, since))
            and not self.readers_since(PRIMARY_PORT, since),
            "then the curator read from the standby again",
        )

    def throughput(self) -> None:
        print(f"== reads through HAProxy: wrk, {CONNECTIONS} connections, {DURATION} s each")
        wrk(self.wrk_script, 2)  # warm the workers' connections and prepared statements
        since = self.clock()
        two = wrk(self.wrk_script, DURATION)
        print(f"  two app servers: {wrk_line(two)}")
        print(f"    reads seen by {self.where(since)}")
        self.figures["two"] = two
        self.check(
            two["s5xx"] == 0 and two["s4xx"] == 0 and two["socket_errors"] == 0,
            "two app servers: every read answered 2xx",
        )
        self.check(
            not self.readers_since(PRIMARY_PORT, since),
            "no app server read the record from the primary",
        )
        if SMALL:
            return
        self.balancer.admin("set server apps/app2 state maint")
        try:
            one = wrk(self.wrk_script, DURATION)
        finally:
            self.balancer.admin("set server apps/app2 state ready")
        print(f"  one app server:  {wrk_line(one)}")
        self.figures["one"] = one
        self.check(one["s5xx"] == 0, "one app server: no 5xx")
        wait_for("app2 back in rotation", lambda: self.balancer.states().get("app2") == "UP")

    def lag_under_writes(self) -> None:
        print(f"== the standby's lag under writes: 2 curators saving, wrk reading, {DURATION} s")
        writers = [Writer(self.token, claim, f"lag-{claim}") for claim in self.claims[1:3]]
        samples: list[tuple[int, float]] = []
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                samples.append(self.cluster.lag())
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        for thread in (*writers, sampler):
            thread.start()
        reads = wrk(self.wrk_script, DURATION, connections=max(2, CONNECTIONS // 2))
        for writer in writers:
            writer.finish()
        stop.set()
        sampler.join(timeout=10)
        saves = sum(len(writer.acknowledged) for writer in writers)
        lag_bytes = sorted(value for value, _ in samples if value >= 0)
        lag_ms = sorted(seconds * 1000 for _, seconds in samples if seconds >= 0)
        figures = {
            "saves_per_second": saves / DURATION,
            "lag_bytes_p50": statistics.median(lag_bytes) if lag_bytes else None,
            "lag_bytes_max": max(lag_bytes) if lag_bytes else None,
            "replay_lag_ms_p50": statistics.median(lag_ms) if lag_ms else None,
            "replay_lag_ms_max": max(lag_ms) if lag_ms else None,
            "samples": len(samples),
            "reads": reads,
        }
        self.figures["lag"] = figures
        print(
            f"  {saves} saves ({figures['saves_per_second']:.1f}/s), each read back at once; "
            f"reads meanwhile: {wrk_line(reads)}"
        )
        print(
            f"  standby lag over {len(samples)} samples (pg_stat_replication): "
            f"WAL not replayed p50 {figures['lag_bytes_p50']} B, max {figures['lag_bytes_max']} B; "
            f"replay_lag p50 {figures['replay_lag_ms_p50']:.1f} ms, "
            f"max {figures['replay_lag_ms_max']:.1f} ms"
        )
        self.check(
            all(w.stale == 0 for w in writers), "every save was read back at once (no stale read)"
        )
        self.check(
            not any(w.errors for w in writers) and reads["s5xx"] == 0,
            f"no error: {[w.errors[:3] for w in writers if w.errors]}",
        )

    def history_count(self, port: int, claim: int, label: str) -> int:
        return sql(
            port,
            "SELECT count(*) FROM tracker_historicalclaim WHERE id = %s AND notes LIKE %s",
            [claim, f"{label} %"],
            dbname=DB,
        )[0][0]

    def fault(self, name: str, stop, start=None, checks=None) -> None:
        """wrk and a curator through the balancer; ``stop`` a third of the way in, ``start`` at
        two thirds; then no 5xx, no lost save, no stale read-back."""
        seconds = max(DURATION, 6)
        writer = Writer(self.token, self.claims[0], f"fault-{name}-{time.time():.0f}")
        outcome: dict = {}

        def drive():
            outcome["reads"] = wrk(self.wrk_script, seconds)

        load = threading.Thread(target=drive, daemon=True)
        load.start()
        writer.start()
        time.sleep(seconds / 3)
        stopped_at = time.monotonic()
        stop()
        outcome["during"] = request(BALANCER_PORT, "GET", "/api/health/")[2]
        if start is not None:
            time.sleep(max(0.0, seconds / 3 - (time.monotonic() - stopped_at)))
            start()
        load.join(timeout=seconds + 90)
        writer.finish()
        if "reads" not in outcome:
            raise Failed(f"wrk did not finish the {name} fault run")
        reads = outcome["reads"]
        self.figures[name] = {"reads": reads, "saves": len(writer.acknowledged)}
        print(f"  reads: {wrk_line(reads)}")
        print(
            f"  saves: {len(writer.acknowledged)} answered 200, {writer.conflicts} 412, "
            f"errors {writer.errors[:5]}"
        )
        self.check(reads["s5xx"] == 0 and reads["socket_errors"] == 0, "no read answered 5xx")
        self.check(
            not writer.errors and writer.stale == 0, "no save failed, each read back at once"
        )
        kept = self.history_count(PRIMARY_PORT, self.claims[0], writer.label)
        self.check(
            kept == len(writer.acknowledged),
            f"no lost save: {kept} of {len(writer.acknowledged)} in the primary's history",
        )
        if checks:
            checks(writer, outcome)

    def standby_fault(self) -> None:
        print("== fault: the standby stopped during the load, then started again")

        def after(writer, outcome):
            during = outcome["during"]["databases"]["replica"]["state"]
            print(
                f"  /api/health/ while it was down: status {outcome['during']['status']}, "
                f"replica {during}"
            )
            wait_for("the standby streaming again", self.cluster.streaming, timeout=60)
            wait_for("the standby to catch up", self.cluster.caught_up, timeout=60)
            on_standby = self.history_count(STANDBY_PORT, self.claims[0], writer.label)
            self.check(
                on_standby == len(writer.acknowledged),
                f"the standby replayed every save ({on_standby})",
            )
            time.sleep(1.5)  # DATABASE_REPLICA_RETRY: the app servers try the standby again
            for _ in range(6):  # one request each worker may spend finding it back
                request(BALANCER_PORT, "GET", f"/api/v1/claims/{self.claims[1]}/")
            since = self.clock()
            time.sleep(0.01)
            for _ in range(8):
                request(BALANCER_PORT, "GET", f"/api/v1/claims/{self.claims[1]}/")
            print(f"  reads after it came back: {self.where(since)}")
            fallbacks = sum(
                app.log.read_text(errors="replace").count("The replica failed") for app in self.apps
            )
            print(f"  the app servers' workers logged {fallbacks} fall-back(s) to the primary")
            self.check(fallbacks > 0, "the app servers noticed the standby was gone")
            self.check(
                bool(self.readers_since(STANDBY_PORT, since)), "reads returned to the standby"
            )

        self.fault("standby", lambda: self.cluster.stop(mode="fast"), self.cluster.start, after)

    def redis_fault(self) -> None:
        print("== fault: Redis stopped during the load, then started again")

        def after(writer, outcome):
            logs = "".join(app.log.read_text(errors="replace") for app in self.apps)
            print(f"  /api/health/ while it was down: cache {outcome['during']['cache']}")
            self.check("Redis is unreachable" in logs, "the app servers logged the fall-back")
            self.check("Redis answers again" in logs, "and the return to Redis")

        self.fault("redis", self.redis.stop, self.redis.start, after)

    def app_fault(self) -> None:
        print("== fault: one app server stopped during the load")

        def after(writer, outcome):
            states = self.balancer.states()
            print(f"  HAProxy's view afterwards: {states}")
            self.check(states.get("app2") == "DOWN", "HAProxy took app2 out of rotation")

        self.fault("app", self.apps[1].stop, None, after)

    def main(self) -> None:
        self.preflight()
        self.load_database()
        print("== the standby: pg_basebackup -R over a slot, streaming")
        self.cluster.prepare_primary()
        self.cluster.start_standby()
        print(
            f"  base backup of the primary in {self.cluster.basebackup_seconds:.1f} s; "
            f"streaming on {STANDBY_PORT}"
        )
        print(f"== Redis on {REDIS_PORT}, app servers on {APP_PORTS}, HAProxy on {BALANCER_PORT}")
        self.start_redis()
        self.start_apps()
        self.start_balancer()
        status, _, health = request(BALANCER_PORT, "GET", "/api/health/")
        print(f"  /api/health/ through HAProxy: {status} {json.dumps(health)}")
        self.check(status == 200 and health["status"] == "ok", "healthy: primary, standby, Redis")
        answers = {path: request(BALANCER_PORT, "GET", path)[0] for path in self.paths}
        self.check(set(answers.values()) == {200}, f"every path wrk reads answers 200 {answers}")
        self.routing()
        self.throughput()
        if not SMALL:
            self.lag_under_writes()
        self.standby_fault()
        if not SMALL:
            self.redis_fault()
            self.app_fault()
        errors = [
            line
            for app in self.apps
            for line in app.log.read_text(errors="replace").splitlines()
            if "Traceback" in line
        ]
        self.check(not errors, f"no traceback in the app servers' logs ({len(errors)})")


def main() -> int:
    teardown = Teardown()
    signal.signal(signal.SIGTERM, _raise_exit)
    signal.signal(signal.SIGHUP, _raise_exit)
    signal.signal(signal.SIGALRM, _raise_timeout)
    signal.alarm(TIMEOUT)
    scaleout = None
    try:
        scaleout = Run(teardown)
        scaleout.main()
    except Exception as error:  # noqa: BLE001 - whatever failed, say it, show the logs, undo
        print(f"FAILED: {error if isinstance(error, Failed) else repr(error)}")
        if scaleout is not None:
            scaleout.failures.append(str(error))
            for log in sorted(scaleout.workdir.glob("*.log")):
                tail = log.read_text(errors="replace").splitlines()[-15:]
                if tail:
                    print(f"-- {log.name} (last lines)\n" + "\n".join(tail))
    except KeyboardInterrupt:
        print("interrupted")
        return 130
    finally:
        signal.alarm(0)
        teardown.run()
    if scaleout is None or scaleout.failures:
        print(f"scaleout: {len(scaleout.failures) if scaleout else 1} check(s) failed")
        return 1
    print("scaleout: every check passed")
    print("SCALEOUT_FIGURES " + json.dumps({"machine": scaleout.machine, **scaleout.figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
