"""Under the production server: while the database files cannot be written, self-checks are answered 503
(the page says nothing was sent; the phone keeps them), and once they can, every worker stores again at
once — no worker keeps a connection that stays read-only."""

from __future__ import annotations

import os
import signal
import time

from .submit_load import UNLIMITED, WITHOUT_FILE_OVERRIDES, production_server, run_load, stored_references
from .test_worker_restart import page_status, worker_pids

DATABASE_FILES = ("kinfo.sqlite3", "kinfo.sqlite3-wal", "kinfo.sqlite3-shm")


def set_writable(instance, writable: bool) -> None:
    instance.chmod(0o700 if writable else 0o500)
    for name in DATABASE_FILES:
        if (instance / name).exists():
            (instance / name).chmod(0o600 if writable else 0o400)


def serving(port: int) -> bool:
    try:
        return page_status(port) == 200
    except OSError:  # a worker still booting on a busy machine
        return False


def test_every_worker_recovers_once_the_database_files_are_writable_again():
    with production_server(workers=2, command_prefix=WITHOUT_FILE_OVERRIDES, SQLITE_BUSY_TIMEOUT="1",
                           **UNLIMITED) as (port, instance, _env, master):
        before = run_load(port, clients=2, per_client=3)
        assert before.statuses == {200: 6}
        set_writable(instance, False)
        try:
            # New workers open their connections now, while nothing can be written: read-only for good.
            replaced = worker_pids(master)
            for pid in replaced:
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and (len(worker_pids(master) - replaced) < 2 or not serving(port)):
                time.sleep(0.1)
            assert len(worker_pids(master) - replaced) == 2, "the workers boot with unwritable files"
            during = run_load(port, clients=2, per_client=4)
        finally:
            set_writable(instance, True)
        after = run_load(port, clients=4, per_client=10)
        stored = stored_references(instance)
    print(f"unwritable: {during.statuses}; writable again: {after.statuses}")
    assert during.statuses == {503: 8} and not during.acknowledged, "refused plainly, nothing acknowledged"
    assert after.statuses == {200: 40} and after.failures == [], "every worker stores again, at once"
    assert stored == before.acknowledged | after.acknowledged
