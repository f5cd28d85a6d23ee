"""The shipped deployment with its real parts, on loopback: Debian's nginx with deploy/nginx/kinfo-proxy.conf
(TLS with a throwaway certificate) in front of two gunicorn instances of the app sharing one PostgreSQL
database, and the shipped systemd units checked by systemd-analyze."""

from __future__ import annotations

import http.client
import http.client as http_client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from ..conftest import new_postgres_database
from ..selfcheck_helpers import CALM_ANSWERS

ROOT = Path(__file__).resolve().parents[2]
HOST = "kinfo.test"  # a public-looking name for the app's address, served on loopback
pytestmark = pytest.mark.deploy


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, log: Path, seconds: float = 40, http: bool = False) -> None:
    """Until ``port`` accepts connections (and, with ``http``, a worker answers a page)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if http:
                connection = http_client.HTTPConnection("127.0.0.1", port, timeout=2)
                try:
                    connection.request("GET", "/en/", headers={"Host": HOST})
                    if connection.getresponse().status == 200:
                        return
                finally:
                    connection.close()
            else:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nothing answers on {port}: " + log.read_text(errors="replace")[-3000:])


def throwaway_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for ``HOST``, valid for a day: (certificate, key) in ``folder``."""
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={HOST}",
                    "-addext", f"subjectAltName=DNS:{HOST}", "-days", "1", "-keyout", str(key),
                    "-out", str(certificate)], check=True, capture_output=True)
    return certificate, key


def nginx_main_config(folder: Path, error_log: Path, http: str) -> str:
    """An nginx main configuration around ``http`` (the inside of its http block) with the pid, the error log
    and temporary files in ``folder``, as Debian's /etc/nginx/nginx.conf frames a site."""
    temp = folder / "nginx-temp"
    temp.mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers reach the test's private folders
    return f"""{user}worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {error_log} warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy; fastcgi_temp_path {temp}/fastcgi;
  uwsgi_temp_path {temp}/uwsgi; scgi_temp_path {temp}/scgi;{http}}}
"""


class Stack:
    """nginx on ``port`` (TLS), app instances on ``instances`` (name → port and process)."""

    def __init__(self, folder: Path, database_url: str | None):
        self.folder, self.database_url = folder, database_url
        self.port = free_port()
        self.instances: dict[str, dict] = {}
        self.env = {**os.environ, "KINFO_ENV": "production", "KINFO_SECRET_KEY": secrets.token_urlsafe(48),
                    "KINFO_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "KINFO_DATABASE_URL": database_url or "",
                    "KINFO_PUBLIC_BASE_URL": f"https://{HOST}", "KINFO_PROXY_COUNT": "1", "KINFO_WORKERS": "2",
                    "KINFO_CLINIC_NAME": "Harbour Clinic", "KINFO_STAFF_MAX_FAILURES_PER_CLIENT": "3",
                    # the load test sends 160 self-checks in seconds from one client, on purpose
                    "KINFO_SUBMISSIONS_PER_CLIENT_PER_MINUTE": "1000", "KINFO_SUBMISSIONS_PER_MINUTE": "1000"}

    def start_instance(self, name: str) -> None:
        port, instance = free_port(), self.folder / f"instance-{name}"
        log = self.folder / f"{name}.log"
        env = {**self.env, "KINFO_BIND": f"127.0.0.1:{port}", "KINFO_INSTANCE_PATH": str(instance)}
        with log.open("wb") as log_file:
            process = subprocess.Popen([sys.executable, "-m", "gunicorn", "app:app"], cwd=ROOT, env=env,
                                       stdout=subprocess.DEVNULL, stderr=log_file)
        wait_for(port, process, log, http=True)
        self.instances[name] = {"port": port, "process": process, "env": env}

    def start_nginx(self, extra: str = "") -> None:
        """nginx in front of every started instance; ``extra`` goes into the server block (benchmarks)."""
        certificate, key = throwaway_certificate(self.folder)
        self.certificate = certificate
        upstreams = "".join(f"    server 127.0.0.1:{instance['port']};\n" for instance in self.instances.values())
        # The test's own frame (ports, paths, certificate); everything kinfo needs comes from the shipped file.
        config = nginx_main_config(self.folder, self.folder / "nginx-error.log", f"""
  proxy_cache_path {self.folder}/cache levels=1:2 keys_zone=kinfo:10m max_size=64m inactive=1h use_temp_path=off;
  upstream kinfo {{
{upstreams}    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{self.port} ssl;
    server_name {HOST};
    ssl_certificate {certificate};
    ssl_certificate_key {key};
    {extra}
    include {ROOT}/deploy/nginx/kinfo-proxy.conf;
  }}
""")
        (self.folder / "nginx.conf").write_text(config)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        log = self.folder / "nginx-error.log"
        log.touch()
        self.nginx = subprocess.Popen([nginx, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf")],  # noqa: S603
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.port, self.nginx, log)

    def context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.certificate))
        context.check_hostname = False  # the certificate names kinfo.test; we connect to 127.0.0.1
        return context

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                source: str = "127.0.0.1", port: int | None = None) -> tuple[int, dict, bytes]:
        """One request through nginx (TLS), or straight to an instance's ``port`` (plain HTTP)."""
        if port is None:
            connection = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=20, context=self.context(),
                                                     source_address=(source, 0))
        else:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            connection.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
            response = connection.getresponse()
            return response.status, {name.lower(): value for name, value in response.getheaders()}, response.read()
        finally:
            connection.close()

    def stop(self) -> None:
        if getattr(self, "nginx", None):
            self.nginx.terminate()
            self.nginx.wait(10)
        for instance in self.instances.values():
            if instance["process"].poll() is None:
                instance["process"].terminate()
                instance["process"].wait(20)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with new_postgres_database("kinfo_deploy") as database_url:
        stack = Stack(tmp_path_factory.mktemp("deploy"), database_url)
        try:
            stack.start_instance("a")
            stack.start_instance("b")
            stack.start_nginx()
            yield stack
        finally:
            stack.stop()


def rows(stack, keys: list[str] | None = None) -> int:
    engine = create_engine(stack.database_url)
    try:
        with engine.connect() as connection:
            if keys is None:
                return connection.execute(text("SELECT count(*) FROM submission")).scalar_one()
            return connection.execute(text("SELECT count(*) FROM submission WHERE idempotency_key = ANY(:keys)"),
                                      {"keys": keys}).scalar_one()
    finally:
        engine.dispose()


def submission(key: str) -> bytes:
    return json.dumps({"idempotency_key": key, "answers": CALM_ANSWERS, "consent": True}).encode()


JSON_POST = {"Content-Type": "application/json", "Sec-Fetch-Site": "same-origin"}


def test_public_pages_are_cache_hits_with_and_without_cookies(stack):
    stack.request("GET", "/en/")
    for cookies in ({}, {"Cookie": "session=abc; kinfo_lang=es"}):
        status, headers, _body = stack.request("GET", "/en/", headers={"Accept-Encoding": "gzip", **cookies})
        status, headers, _body = stack.request("GET", "/en/", headers={"Accept-Encoding": "gzip", **cookies})
        assert status == 200 and headers["x-cache"] == "HIT", (cookies, headers)
        assert "cookie" not in headers.get("vary", "").lower() and "set-cookie" not in headers
    status, headers, _body = stack.request("GET", "/en/self-check")
    assert status == 200 and headers["x-cache"] in ("MISS", "BYPASS") and headers["cache-control"] == "no-store"
    status, headers, _body = stack.request("GET", "/en/self-check")
    assert headers["x-cache"] != "HIT", "a page with a patient's token is never served from the cache"


def test_nginx_never_keeps_a_tablet_page(stack):
    for path in ("/tablet/", "/tablet/en/self-check", "/tablet/", "/tablet/en/self-check"):
        status, headers, _body = stack.request("GET", path)
        assert status == 200 and headers.get("x-cache", "") == "", (path, headers.get("x-cache"))
        assert headers["cache-control"] == "no-store, private"
    _status, headers, _body = stack.request("GET", "/tablet/")
    assert headers["clear-site-data"] == '"cache", "cookies", "storage"'


def test_hsts_and_the_security_headers_arrive_through_nginx(stack):
    for path in ("/en/", "/en/self-check", "/staff/login", "/en/missing"):
        _status, headers, _body = stack.request("GET", path)
        assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains", path
        assert "default-src 'none'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff", path


def test_ten_slow_connections_do_not_delay_a_normal_request(stack):
    slow = []
    try:
        for _ in range(10):
            raw = socket.create_connection(("127.0.0.1", stack.port), timeout=5)
            connection = stack.context().wrap_socket(raw)
            connection.sendall(b"GET /en/self-check HTTP/1.1\r\nHost: kinfo.test\r\nX-Slow: ")  # and then nothing
            slow.append(connection)
        started = time.monotonic()
        status, _headers, _body = stack.request("GET", "/en/self-check")  # not cached: it reaches a worker
        assert status == 200 and time.monotonic() - started < 2
    finally:
        for connection in slow:
            connection.close()


def test_the_clients_address_reaches_the_apps_limits(stack):
    """Through nginx, each client is itself to the per-client sign-in limit (3 here): one client hammering
    does not lock out another."""

    def sign_in(source: str, attempt: int) -> int:
        status, headers, body = stack.request("GET", "/staff/login", source=source)
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1).decode()
        cookie = headers["set-cookie"].split(";", 1)[0]
        form = f"csrf_token={token}&email=nobody{attempt}@clinic.example&password=wrong-password-{attempt}"
        status, _headers, _body = stack.request("POST", "/staff/login", body=form.encode(), source=source, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
            "Referer": f"https://{HOST}/staff/login"})
        return status

    statuses = [sign_in("127.0.0.2", attempt) for attempt in range(5)]
    assert statuses[:3] == [401, 401, 401] and statuses[-1] == 429, statuses
    assert sign_in("127.0.0.3", 99) == 401, "another client is not held back by the first one's failures"


def test_the_same_self_check_sent_to_both_instances_is_stored_once(stack):
    key = str(uuid.uuid4())
    references = []
    for instance in stack.instances.values():
        status, _headers, body = stack.request("POST", "/en/self-check/submissions", body=submission(key),
                                               headers=JSON_POST, port=instance["port"])
        assert status == 200, body
        references.append(json.loads(body)["reference"])
    assert references[0] == references[1] and rows(stack, [key]) == 1


def test_a_staff_session_works_on_both_instances(stack):
    from http.cookies import SimpleCookie

    environment = stack.instances["a"]["env"]
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "staff", "create", "lead@clinic.example"],  # noqa: S603
                   cwd=ROOT, env=environment, input="a-long-staff-password\na-long-staff-password\n", text=True,
                   check=True, capture_output=True)
    a, b = (stack.instances[name]["port"] for name in ("a", "b"))
    _status, headers, body = stack.request("GET", "/staff/login", port=a)
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1).decode()
    cookie = SimpleCookie(headers["set-cookie"])["session"].value
    form = f"csrf_token={token}&email=lead@clinic.example&password=a-long-staff-password".encode()
    # Straight to the instances over plain HTTP, as nginx would hand them over (the cookie is Secure: sent by hand)
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "Cookie": f"session={cookie}",
                 "Referer": f"https://{HOST}/staff/login"}
    status, headers, _body = stack.request("POST", "/staff/login", body=form, port=a, headers={
        **forwarded, "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302, "signed in on instance a"
    signed_in = SimpleCookie(headers["set-cookie"])["session"].value
    status, _headers, body = stack.request("GET", "/staff/", port=b, headers={**forwarded,
                                                                              "Cookie": f"session={signed_in}"})
    assert status == 200 and b'action="/staff/logout"' in body, "the session made on a is valid on b"


def test_a_stopped_instance_under_load_loses_no_post(stack):
    """SIGTERM one instance while patients send self-checks through nginx: every request is answered 200 (nginx
    hands what the stopping instance cannot take to the other; the posts are idempotent) and every
    acknowledged self-check is stored."""
    keys = [str(uuid.uuid4()) for _ in range(160)]
    statuses, lock = [], threading.Lock()

    def patient(chunk: list[str]) -> None:
        for key in chunk:
            status, _headers, _body = stack.request("POST", "/en/self-check/submissions", body=submission(key),
                                                    headers=JSON_POST)
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=patient, args=(keys[index::4],)) for index in range(4)]
    for thread in threads:
        thread.start()
    while len(statuses) < 40:
        time.sleep(0.02)
    stopping = stack.instances["a"]["process"]
    stopping.send_signal(signal.SIGTERM)
    for thread in threads:
        thread.join(60)
    stopping.wait(30)
    assert statuses.count(200) == len(keys), {status: statuses.count(status) for status in set(statuses)}
    assert rows(stack, keys) == len(keys)


def test_the_systemd_units_verify(tmp_path):
    """systemd-analyze checks the shipped units (CI has no systemd running; verify needs none), with the
    commands pointed at this machine's gunicorn and flask."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze (Debian package systemd) checks the shipped units"
    bin_dir = Path(shutil.which("gunicorn") or sys.executable).parent
    names = []
    for unit in (ROOT / "deploy" / "systemd").iterdir():
        name = unit.name.replace("@.service", "@8000.service")
        (tmp_path / name).write_text(unit.read_text().replace("/srv/kinfo/.venv/bin/", f"{bin_dir}/"))
        names.append(name)
    result = subprocess.run([analyze, "verify", "--man=no", *names], cwd=tmp_path, capture_output=True, text=True)  # noqa: S603
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr
