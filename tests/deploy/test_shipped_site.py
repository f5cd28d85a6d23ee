"""The nginx site a clinic copies, deploy/nginx/kinfo.conf, as shipped: Debian's own nginx accepts it (Debian 12
ships nginx 1.22) and serves the article through it over TLS and HTTP/2. The test changes only what the file's
CHANGE comments ask a clinic to change, and the paths a test cannot write to."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from .test_real_parts import HOST, ROOT, Stack, free_port, nginx_main_config, throwaway_certificate, wait_for

SITE = ROOT / "deploy" / "nginx" / "kinfo.conf"
NGINX = "/usr/sbin/nginx"  # Debian's package, the one a clinic runs
pytestmark = pytest.mark.deploy


def edit(text: str, old: str, new: str, count: int = 1) -> str:
    """``old`` → ``new``, which must be there exactly ``count`` times: the test breaks loudly if the shipped
    file changes shape, rather than testing something else."""
    assert text.count(old) == count, f"deploy/nginx/kinfo.conf has {old!r} {text.count(old)}×, not {count}×"
    return text.replace(old, new)


def site_as_a_clinic_fills_it_in(folder: Path, app_port: int = 8000, ports: tuple[int, int] | None = None) -> Path:
    """The shipped site with its CHANGE lines filled in (host, certificate, instance), the snippet and cache
    paths pointed at this repository and ``folder``, and, with ``ports`` (http, https), loopback listeners."""
    shipped = SITE.read_text()
    assert shipped.count("# CHANGE") == 5, "a new CHANGE line in the shipped site: fill it in here too"
    certificate, key = throwaway_certificate(folder)
    site = edit(shipped, "server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
    site = edit(site, "server_name kinfo.example.org;", f"server_name {HOST};", count=2)
    site = edit(site, "ssl_certificate /etc/ssl/certs/kinfo.example.org.pem;", f"ssl_certificate {certificate};")
    site = edit(site, "ssl_certificate_key /etc/ssl/private/kinfo.example.org.key;", f"ssl_certificate_key {key};")
    site = edit(site, "include /etc/nginx/snippets/kinfo-proxy.conf;",
                f"include {ROOT}/deploy/nginx/kinfo-proxy.conf;")
    # nginx makes the cache's own folder, not its parents: the shipped one must be where Debian's nginx has one.
    shipped_cache = re.search(r"^proxy_cache_path (\S+) ", shipped, re.M).group(1)
    assert Path(shipped_cache).parent.is_dir(), f"{shipped_cache}: its folder does not exist on Debian"
    site = edit(site, f"proxy_cache_path {shipped_cache} ", f"proxy_cache_path {folder}/cache ")
    if ports:
        http, https = ports
        site = edit(site, "listen 80;", f"listen 127.0.0.1:{http};")
        site = edit(site, "listen [::]:80;", f"listen [::1]:{http};")
        site = edit(site, "listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
        site = edit(site, "listen [::]:443 ssl http2;", f"listen [::1]:{https} ssl http2;")
    (folder / "kinfo.conf").write_text(site)
    (folder / "nginx.conf").write_text(nginx_main_config(folder, folder / "error.log", f"""
  include {folder}/kinfo.conf;
"""))
    return certificate


def nginx(folder: Path, *arguments: str) -> list[str]:
    return [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log"), *arguments]


def test_debians_nginx_accepts_the_shipped_site(tmp_path):
    site_as_a_clinic_fills_it_in(tmp_path)
    result = subprocess.run(nginx(tmp_path, "-t"), capture_output=True, text=True)
    assert result.returncode == 0 and "test is successful" in result.stderr, result.stderr
    # nginx >= 1.25.1 warns that `listen … http2` is deprecated (and still obeys it); nothing else may warn.
    warnings = [line for line in result.stderr.splitlines()
                if "[warn]" in line and 'the "listen ... http2" directive is deprecated' not in line]
    assert warnings == [], result.stderr


def test_the_shipped_site_serves_the_article_over_https_and_http2(tmp_path):
    stack = Stack(tmp_path, None)
    http, https = free_port(), free_port()
    process = None
    try:
        stack.start_instance("a")
        certificate = site_as_a_clinic_fills_it_in(tmp_path, stack.instances["a"]["port"], (http, https))
        process = subprocess.Popen(nginx(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(https, process, tmp_path / "error.log")

        def curl(*arguments: str) -> tuple[list[str], str]:
            """Debian's curl (HTTP/2 through nghttp2): the response's header lines, lower case, and its body."""
            result = subprocess.run(["curl", "-sS", "--max-time", "10", "--cacert", str(certificate), "--resolve",
                                     f"{HOST}:{https}:127.0.0.1", "-D", "-", "-o", str(tmp_path / "body"),
                                     *arguments], capture_output=True, text=True, check=True)
            return [line.strip().lower() for line in result.stdout.splitlines()], (tmp_path / "body").read_text()

        headers, _body = curl(f"http://127.0.0.1:{http}/en/", "-H", f"Host: {HOST}")
        assert headers[0] == "http/1.1 301 moved permanently" and f"location: https://{HOST}/en/" in headers, headers
        for cache in ("miss", "hit"):
            headers, body = curl("--http2", f"https://{HOST}:{https}/en/")
            assert headers[0] == "http/2 200" and '<html lang="en"' in body, headers
            assert "strict-transport-security: max-age=31536000; includesubdomains" in headers, headers
            assert f"x-cache: {cache}" in headers, headers  # kept in the cache folder the site names
    finally:
        if process:
            process.terminate()
            process.wait(10)
        stack.stop()
