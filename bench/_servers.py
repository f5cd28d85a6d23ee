"""Start the README's production server (and nginx) on free loopback ports for the benchmarks."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.load.submit_load import free_port, production_server  # noqa: E402  (one way to start the server)


def wait_for(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextmanager
def gunicorn(**settings: str):
    """`gunicorn app:app` exactly as the README runs it; yields its base URL."""
    with production_server(**settings) as (port, _instance, _env, _pid):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def nginx_serving(files: dict[str, bytes]):
    """nginx serving ``files`` (name → bytes) as static files on a free port."""
    folder = Path(tempfile.mkdtemp(prefix="kinfo-nginx-"))
    folder.chmod(0o755)  # nginx's workers run as www-data when the master is root
    (folder / "www").mkdir()
    (folder / "logs").mkdir()
    for name, body in files.items():
        (folder / "www" / name).write_bytes(body)
    port = free_port()
    (folder / "nginx.conf").write_text(f"""
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/logs/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {folder}/body;
  server {{
    listen 127.0.0.1:{port};
    root {folder}/www;
    default_type text/html;
  }}
}}
""")
    process = subprocess.Popen(["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(f"http://127.0.0.1:{port}/{next(iter(files))}")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)
