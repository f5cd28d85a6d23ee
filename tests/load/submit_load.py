"""Many patients sending the self-check at once, over real HTTP, against the production server.

Used by tests/load/test_concurrent_submissions.py (correctness) and bench/submissions.py (figures).
"""

from __future__ import annotations

import errno
import http.client
import os
import re
import secrets
import selectors
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[2]
# Settings that lift the per-minute limits on stored self-checks, for runs that measure how many the
# server can take (8 "patients" on one address would otherwise be held to the per-address limit).
UNLIMITED = {"SUBMISSIONS_PER_CLIENT_PER_MINUTE": "1000000", "SUBMISSIONS_PER_MINUTE": "1000000"}
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

    def count(self, status: int) -> None:
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


# Runs a command as root without the capabilities that let root ignore file modes: it then finds read-only
# files read-only, like any other account (and needs no other account that can read this Python).
WITHOUT_FILE_OVERRIDES = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


@contextmanager
def production_server(workers: int | None = None, command_prefix: list[str] | None = None,
                      instance: Path | None = None, log: Path | None = None, **settings: str):
    """`gunicorn app:app` (the README's production command) with its own instance folder and SQLite file.

    ``workers`` overrides gunicorn.conf.py's default; ``command_prefix`` runs it through another command
    (``WITHOUT_FILE_OVERRIDES``); ``instance`` and ``log`` put the instance folder and the server's log
    elsewhere than a new temporary folder; keyword arguments are KINFO_* settings.
    """
    port, instance = free_port(), str(instance or tempfile.mkdtemp(prefix="kinfo-load-"))
    env = {**os.environ, "KINFO_ENV": "production", "KINFO_SECRET_KEY": secrets.token_urlsafe(48),
           "KINFO_BIND": f"127.0.0.1:{port}", "KINFO_INSTANCE_PATH": instance,
           # Production serves only with a public https:// address to print; a reserved test name stands in
           # for it (nothing here opens that address: requests go to the loopback port).
           "KINFO_PUBLIC_BASE_URL": "https://kinfo.test",
           "KINFO_SESSION_COOKIE_SECURE": "false"}  # plain http on loopback only
    if workers is not None:
        env["KINFO_WORKERS"] = str(workers)
    env.update({f"KINFO_{name}": value for name, value in settings.items()})
    # The server's log goes to a file: a pipe nobody reads while the server runs would fill up and stall it.
    log = log or Path(instance) / "gunicorn.log"
    with log.open("wb") as log_file:
        command = [*(command_prefix or []), sys.executable, "-m", "gunicorn", "app:app"]
        process = subprocess.Popen(command, cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=log_file)
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
                raise RuntimeError("gunicorn did not start: " + log.read_bytes()[-4000:].decode(errors="replace"))
            time.sleep(0.2)
        yield Server(port, Path(instance), env, process.pid)
    finally:
        process.terminate()
        process.wait(15)


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


class _Patient:
    """One patient's phone sending its consented self-checks one after another, as a small state machine
    driven by ``run_load``'s event loop: send the request, read the response, then the next submission.

    One thread drives every patient. The load generator shares the machine's two cores with the server it
    measures, and a thread per patient cost more CPU (and more switching away from the server) than the
    submissions themselves needed."""

    def __init__(self, port: int, cookie: str, token: str, submissions: int):
        self.address = ("127.0.0.1", port)
        self.head = (b"POST /en/self-check HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\nCookie: %s\r\n" % (port, cookie.encode()))
        self.answers = urllib.parse.urlencode({**ANSWERS, "csrf_token": token, "consent": "y"}).encode()
        self.left = submissions
        self.sock: socket.socket | None = None
        self._connect_error = 0
        self.outgoing = b""
        self.incoming = bytearray()
        self.deadline = 0.0

    def next_submission(self, selector: selectors.BaseSelector) -> None:
        """Start the next submission (on the kept-alive connection if there is one), unless all are sent."""
        if self.left <= 0:
            return
        body = b"%s&idempotency_key=%s" % (self.answers, str(uuid.uuid4()).encode())
        self.outgoing = b"%sContent-Length: %d\r\n\r\n%s" % (self.head, len(body), body)
        self.incoming.clear()
        self.deadline = time.monotonic() + 30
        if self.sock is None:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.setblocking(False)
            # Connected or not, the socket turns writable; _send then finds out which (an error is raised
            # there, whether connect_ex reported it at once or it is pending on the socket).
            self._connect_error = self.sock.connect_ex(self.address)
            selector.register(self.sock, selectors.EVENT_WRITE, self)
        else:
            selector.modify(self.sock, selectors.EVENT_WRITE, self)

    def on_ready(self, selector: selectors.BaseSelector, result: LoadResult) -> None:
        try:
            if self.outgoing:
                self._send(selector)
            else:
                self._receive(selector, result)
        except Exception as error:  # refused, reset, cut short or garbled: a failed submission, counted
            self.fail(selector, result, repr(error))

    def _send(self, selector: selectors.BaseSelector) -> None:
        error = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if self._connect_error not in (0, errno.EINPROGRESS) or error:
            raise ConnectionError(os.strerror(error or self._connect_error))
        self.outgoing = self.outgoing[self.sock.send(self.outgoing):]
        if not self.outgoing:
            selector.modify(self.sock, selectors.EVENT_READ, self)

    def _receive(self, selector: selectors.BaseSelector, result: LoadResult) -> None:
        data = self.sock.recv(65536)
        self.incoming += data
        head_end = self.incoming.find(b"\r\n\r\n")
        if head_end < 0:
            if not data:
                raise ConnectionError("the server closed the connection before a whole response")
            return
        head = bytes(self.incoming[:head_end]).lower()
        length = re.search(rb"\r\ncontent-length: *(\d+)", head)
        if length is None:
            raise ConnectionError("a response without Content-Length")
        body = self.incoming[head_end + 4:]
        if len(body) < int(length.group(1)):
            if not data:
                raise ConnectionError("the server closed the connection in the middle of a response")
            return
        status = int(head.split(b" ", 2)[1])
        result.count(status)
        match = REFERENCE.search(body)
        if status == 200 and match:
            result.acknowledged.add(match.group(1).decode())
        self.left -= 1
        if self.left == 0 or not data or re.search(rb"\r\nconnection: *close", head):
            self.close(selector)
        self.next_submission(selector)

    def fail(self, selector: selectors.BaseSelector, result: LoadResult, reason: str) -> None:
        """Record the submission under way as failed, drop its connection and go on with the next."""
        result.failures.append(reason)
        self.left -= 1
        self.close(selector)
        self.next_submission(selector)

    def give_up(self, selector: selectors.BaseSelector, result: LoadResult, reason: str) -> None:
        """Record the submission under way and every one still to send as failed."""
        result.failures.extend([reason] * self.left)
        self.left = 0
        self.close(selector)

    def close(self, selector: selectors.BaseSelector) -> None:
        if self.sock is not None:
            if self.sock in selector.get_map():
                selector.unregister(self.sock)
            self.sock.close()
            self.sock = None


def run_load(port: int, clients: int = 8, per_client: int = 200) -> LoadResult:
    """``clients`` patients, each on its own connection, each sending ``per_client`` consented submissions
    one after another as fast as the server answers; all of them at once.

    Every submission ends as a counted status or a recorded failure, so none can go missing from the
    figures (a patient who cannot even open the form records all of its submissions as failures)."""
    result = LoadResult()
    patients = []
    for _ in range(clients):  # every form first: a connection opened early would sit idle meanwhile
        try:
            patients.append(_Patient(port, *_open_form(port), per_client))
        except Exception as error:  # any failure here is a result to report, not a crash
            result.failures.extend([f"could not open the form: {error!r}"] * per_client)
    started = time.perf_counter()  # the submissions are timed, not opening the forms
    selector = selectors.DefaultSelector()
    for patient in patients:
        patient.next_submission(selector)
    while selector.get_map():
        for key, _events in selector.select(timeout=1):
            key.data.on_ready(selector, result)
        now = time.monotonic()
        for key in list(selector.get_map().values()):
            if now > key.data.deadline:  # a server that stops answering would otherwise cost 30 s a submission
                key.data.give_up(selector, result, "no response within 30 s")
    selector.close()
    result.seconds = time.perf_counter() - started
    return result


def stored_references(instance: Path) -> set[str]:
    with sqlite3.connect(instance / "kinfo.sqlite3") as connection:
        return {row[0] for row in connection.execute("SELECT reference FROM submission")}
