"""Under the production server: workers never migrate, so a worker that restarts while another process holds
SQLite's write lock boots and serves; the master migrates as it starts and on reload."""

from __future__ import annotations

import http.client
import os
import signal
import sqlite3
import time
from pathlib import Path

from .submit_load import production_server, run_load, stored_references


def worker_pids(master: int) -> set[int]:
    return {int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()}


def page_status(port: int, path: str = "/en/") -> int:
    """One page on a fresh connection (sync workers close each connection, so pages spread over workers)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def revision(instance: Path) -> str:
    with sqlite3.connect(instance / "kinfo.sqlite3") as connection:
        return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def answered(port: int, path: str = "/en/") -> int:
    """A page's status, or 0 if no answer came (no worker up yet)."""
    try:
        return page_status(port, path)
    except OSError:
        return 0


def test_workers_killed_while_the_write_lock_is_held_are_replaced_and_the_site_keeps_answering():
    """The lock is held for longer than any busy timeout (1 s here), until both replacements have booted and
    served ten pages in a row: a worker that had to wait for the lock would have failed to boot, and gunicorn
    would have stopped the whole server."""
    with production_server(workers=2, SQLITE_BUSY_TIMEOUT="1") as (port, instance, _env, master):
        holder = sqlite3.connect(instance / "kinfo.sqlite3", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # as a purge or a key rotation would
        locked_at = time.monotonic()
        try:
            killed = worker_pids(master)
            for pid in killed:
                os.kill(pid, signal.SIGKILL)
            statuses: list[int] = []
            deadline = locked_at + 60  # generous for a busy machine; an old-style boot fails after 1 s
            while time.monotonic() < deadline and (statuses[-10:] != [200] * 10 or time.monotonic() - locked_at < 4):
                statuses.append(answered(port))
                time.sleep(0.05)
            held_for = time.monotonic() - locked_at
            replacements = worker_pids(master)
            os.kill(master, 0)  # the master is still there
            assert statuses[-10:] == [200] * 10, statuses
            assert len(replacements) == 2 and not replacements & killed, "both workers were replaced"
            assert [answered(port, "/en/self-check") for _ in range(6)] == [200] * 6
        finally:
            holder.rollback()
            holder.close()
        result = run_load(port, clients=2, per_client=3)  # and once the lock is gone, self-checks are stored
        assert result.statuses == {200: 6} and result.acknowledged == stored_references(instance)
    print(f"write lock held {held_for:.1f} s; pages answered meanwhile: {statuses.count(200)} of {len(statuses)}; "
          f"workers {sorted(killed)} replaced by {sorted(replacements)}")


def test_the_master_migrates_on_reload_before_new_workers_start():
    from alembic import command

    from kinfo.core import schema

    with production_server(workers=2) as (port, instance, _env, master):
        assert revision(instance) == schema.head()
        config = schema.alembic_config(f"sqlite:///{instance / 'kinfo.sqlite3'}")
        command.downgrade(config, "0002")  # the code on disk is now newer than the schema
        before = worker_pids(master)
        os.kill(master, signal.SIGHUP)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (revision(instance) != schema.head() or worker_pids(master) & before):
            time.sleep(0.1)
        assert revision(instance) == schema.head()
        assert not worker_pids(master) & before, "the workers were replaced"
        assert page_status(port) == 200
        log = (instance / "gunicorn.log").read_text()
        assert "schema at 0004 (was 0002)" in log
