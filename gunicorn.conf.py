"""Production server settings, read by `gunicorn app:app` from the project folder.

Sync workers, gunicorn's own recommendation behind a buffering reverse proxy (the README asks for one, for
TLS): kinfo's requests are all CPU work in Python — pages come from the in-process page cache, a self-check
is validated, encrypted and written to SQLite — so one request at a time per process, with more processes
than cores, keeps every core busy without threads queueing for one interpreter lock. Each connection is
closed after its response, so the next request goes to whichever worker is free instead of waiting behind
a busy one. On these 2-core machines, with 4 workers each way, sync workers answered about a fifth more
self-check submissions per second than 4-thread gthread workers, at less CPU each (bench/submissions.py).
"""

import os
import subprocess
import sys

# Loopback only, unless told otherwise: the app answers behind a TLS proxy (deploy/nginx), never on the open
# network, where slow clients could hold every sync worker.
bind = os.environ.get("KINFO_BIND", "127.0.0.1:8000")
# The cores this process may run on (a container's CPU set), not every core of the host.
workers = int(os.environ.get("KINFO_WORKERS", 2 * len(os.sched_getaffinity(0)) + 1))
worker_class = "sync"
# A worker still busy with one request after this many seconds is restarted. No kinfo request comes near it:
# the longest wait is SQLite's 10 s busy timeout behind a maintenance command (see README, Retention).
timeout = 30
# Workers touch a heartbeat file on every loop; in RAM that costs nothing, on a container's overlay disk it
# showed up in profiles of every request (gunicorn's documentation recommends /dev/shm for this reason).
# gunicorn makes the file itself with mkstemp (private, unique name), so a shared folder is safe here.
SHARED_MEMORY = "/dev/shm"  # noqa: S108
worker_tmp_dir = SHARED_MEMORY if os.access(SHARED_MEMORY, os.W_OK | os.X_OK) else None  # else the system default
accesslog = None  # no access log: paths are harmless, but a log is one more place data could leak
errorlog = "-"
forwarded_allow_ips = os.environ.get("KINFO_FORWARDED_ALLOW_IPS", "127.0.0.1")

# The database schema is migrated here, in the master, once as the server starts and again on every reload
# (SIGHUP, which also loads new code into new workers) — never by the workers themselves. A worker that
# restarts while a purge or a key rotation holds SQLite's write lock then has nothing to wait for: it only
# reads the schema's revision, boots, and serves. The step runs as its own process (`flask db upgrade`), so
# the master never imports the app (workers import it fresh, and a reload really loads new code) and holds
# no database connection for workers to inherit.
SCHEMA_MANAGED_BY_SERVER = "KINFO_SCHEMA_MANAGED_BY_SERVER"


def _migrate(server) -> bool:
    app_uri = getattr(server.app, "app_uri", None) or server.cfg.wsgi_app or "app:app"
    environment = {name: value for name, value in os.environ.items() if name != SCHEMA_MANAGED_BY_SERVER}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", app_uri, "db", "upgrade"],  # noqa: S603
                            env=environment, cwd=server.cfg.chdir, check=False, capture_output=True, text=True)
    for line in result.stdout.splitlines():  # into gunicorn's own log, wherever that goes
        server.log.info("database: %s", line)
    for line in result.stderr.splitlines():
        (server.log.info if result.returncode == 0 else server.log.error)("database: %s", line)
    return result.returncode == 0


def on_starting(server):
    """Migrate before any worker starts; a failure (wrong key, database unreachable) stops the server here,
    with the reason above, instead of in every worker."""
    if not _migrate(server):
        raise RuntimeError("the app could not be prepared (a setting or the database, see above); not starting")
    os.environ[SCHEMA_MANAGED_BY_SERVER] = "true"  # the workers inherit it: they only check


def on_reload(server):
    """Migrate for the code the new workers will run. A failure is logged and the old schema kept: gunicorn
    would stop altogether if this hook raised."""
    if not _migrate(server):
        server.log.error("The database migration on reload failed (see above); the new workers keep the old schema.")

# No runtime control socket: every instance would share one path (~/.gunicorn/gunicorn.ctl), the last to start
# taking it over, and systemd's ProtectHome leaves no home to put it in. Reload and stop go through signals.
control_socket_disable = True
