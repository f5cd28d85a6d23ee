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
# No runtime control socket: every instance would share one path (~/.gunicorn/gunicorn.ctl), the last to start
# taking it over, and systemd's ProtectHome leaves no home to put it in. Reload and stop go through signals.
control_socket_disable = True
