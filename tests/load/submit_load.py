"""Many patients sending the self-check at once, over real HTTP, against the production server.

Used by tests/load/test_concurrent_submissions.py (correctness) and bench/submissions.py (figures).
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = {
    "adult": "yes", "pregnant": "no", "breastfeeding": "no", "bp_high": "no", "heart": "no",
    "thyroid_overactive": "no", "condition": "depression", "antidepressants_tried": "2plus", "psychosis": "no",
    "mania": "no", "substance": "no", "head_eye_pressure": "no", "seizures": "no", "liver": "no",
    "bladder": "no", "ketamine_reaction": "no", "medicines": "yes", "self_harm": "no", "ride_home": "yes",
}


@dataclass
class LoadResult:
    acknowledged: set[str] = field(default_factory=set)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, status: int) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server(NamedTuple):
    port: int
    instance: Path
    env: dict
    pid: int  # gunicorn's master process; its workers are its children


def _stat_ticks(pid: int | str) -> list[int]:
    """utime, stime, cutime, cstime of a process, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return [int(value) for value in fields[11:15]]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by a process and its children (gunicorn and its workers),
    including children that have already exited and been reaped (a restarted worker)."""
    while True:
        master = _stat_ticks(pid)
        ticks = sum(master)  # its own time, then the reaped children's
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            try:
                ticks += sum(_stat_ticks(child)[:2])
            except (FileNotFoundError, ProcessLookupError):  # exited since the listing
                continue
        if _stat_ticks(pid)[2:] == master[2:]:  # no child was reaped meanwhile: nothing counted twice or lost
            return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def production_server(workers: int | None = None, **settings: str):
    """`gunicorn app:app` (the README's production command) with its own instance folder and SQLite file.

    ``workers`` overrides gunicorn.conf.py's default; keyword arguments are KINFO_* settings.
    """
    port, instance = free_port(), tempfile.mkdtemp(prefix="kinfo-load-")
    env = {**os.environ, "KINFO_ENV": "production", "KINFO_SECRET_KEY": secrets.token_urlsafe(48),
           "KINFO_BIND": f"127.0.0.1:{port}", "KINFO_INSTANCE_PATH": instance,
           "KINFO_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
           "KINFO_SESSION_COOKIE_SECURE": "false"}  # plain http on loopback only
    if workers is not None:
        env["KINFO_WORKERS"] = str(workers)
    env.update({f"KINFO_{name}": value for name, value in settings.items()})
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "app:app"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                connection.request("GET", "/en/self-check")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            finally:
                connection.close()
            if time.monotonic() > deadline or process.poll() is not None:
                process.terminate()  # reading a live server's stderr to its end would wait forever
                log = process.communicate(timeout=15)[1]
                raise RuntimeError("gunicorn did not start: " + log[-4000:].decode(errors="replace"))
            time.sleep(0.2)
        yield Server(port, Path(instance), env, process.pid)
    finally:
        process.terminate()
        process.wait(15)
        process.stderr.close()


REFERENCE = re.compile(rb'class="reference"><bdi>([A-Z0-9]{4}-[A-Z0-9]{4})</bdi>')


def _open_form(port: int) -> tuple[str, str]:
    """A patient opens the form: (session cookie, CSRF token)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/en/self-check")
        response = connection.getresponse()
        page = response.read().decode()
        cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    finally:
        connection.close()
    return cookie, re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


class _KeepAlive:
    """One patient's HTTP/1.1 connection, kept open between submissions.

    Deliberately small (a raw socket and a buffered reader): the load generator shares the machine's two
    cores with the server, and http.client's header parsing cost more CPU per request than we want to
    take away from the server being measured."""

    def __init__(self, port: int):
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.reader = self.sock.makefile("rb")

    def post(self, path: str, headers: bytes, body: bytes) -> tuple[int, bytes]:
        self.sock.sendall(b"POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%sContent-Length: %d\r\n\r\n%s"
                          % (path.encode(), self.port, headers, len(body), body))
        status_line = self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        length, close = None, False
        while (line := self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        if length is None:
            raise ConnectionError("a response without Content-Length")
        page = self.reader.read(length)
        if len(page) < length:
            raise ConnectionError("the server closed the connection in the middle of a response")
        if close:
            self.close()
        return status, page

    def close(self) -> None:
        self.reader.close()
        self.sock.close()
        self.sock = None


def _client(port: int, submissions: int, result: LoadResult) -> None:
    """One patient's phone: open the form once, then send ``submissions`` consented self-checks.

    Every submission ends as a counted status or a recorded failure, so none can go missing from the
    figures (a client that cannot even open the form records all of its submissions as failures)."""
    try:
        cookie, token = _open_form(port)
    except Exception as error:  # any failure here is a result to report, not a crash
        result.failures.extend([f"could not open the form: {error!r}"] * submissions)
        return
    headers = f"Content-Type: application/x-www-form-urlencoded\r\nCookie: {cookie}\r\n".encode()
    answers = urllib.parse.urlencode({**ANSWERS, "csrf_token": token, "consent": "y"}).encode()
    connection = None
    for _ in range(submissions):
        body = b"%s&idempotency_key=%s" % (answers, str(uuid.uuid4()).encode())
        try:
            if connection is None or connection.sock is None:
                connection = _KeepAlive(port)
            status, page = connection.post("/en/self-check", headers, body)
        except Exception as error:  # a broken or garbled response is a failure to count
            result.failures.append(repr(error))
            if connection is not None and connection.sock is not None:
                connection.close()
            continue
        result.count(status)
        match = REFERENCE.search(page)
        if status == 200 and match:
            with result.lock:
                result.acknowledged.add(match.group(1).decode())
    if connection is not None and connection.sock is not None:
        connection.close()


def run_load(port: int, clients: int = 8, per_client: int = 200) -> LoadResult:
    """``clients`` threads each sending ``per_client`` consented submissions as fast as they can."""
    result = LoadResult()
    threads = [threading.Thread(target=_client, args=(port, per_client, result)) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def stored_references(instance: Path) -> set[str]:
    with sqlite3.connect(instance / "kinfo.sqlite3") as connection:
        return {row[0] for row in connection.execute("SELECT reference FROM submission")}
