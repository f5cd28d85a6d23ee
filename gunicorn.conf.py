"""Production server settings, read by `gunicorn app:app` from the project folder.

Threads let each worker keep connections alive and overlap slow clients; pages themselves are answered
from kinfo's in-process page cache, so a few workers go a long way on a small machine.
"""

import multiprocessing
import os

bind = os.environ.get("KINFO_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("KINFO_WORKERS", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("KINFO_THREADS", 4))
keepalive = 5
# Workers touch a heartbeat file on every loop; in RAM that costs nothing, on a container's overlay disk it
# showed up in profiles of every request (gunicorn's documentation recommends /dev/shm for this reason).
# gunicorn makes the file itself with mkstemp (private, unique name), so a shared folder is safe here.
SHARED_MEMORY = "/dev/shm"  # noqa: S108
worker_tmp_dir = SHARED_MEMORY if os.access(SHARED_MEMORY, os.W_OK | os.X_OK) else None  # else the system default
accesslog = None  # no access log: paths are harmless, but a log is one more place data could leak
errorlog = "-"
forwarded_allow_ips = os.environ.get("KINFO_FORWARDED_ALLOW_IPS", "127.0.0.1")
