"""The article through the shipped nginx cache, beside nginx serving the same bytes as a static file and
gunicorn answering straight, in one run (deploy/nginx/kinfo-proxy.conf, TLS, one app instance on SQLite).

The static file is sent with the cached page's own headers, so both send the same bytes on the wire.
Prints req/s and p99 under `wrk -t2 -c32` for each (median of several back-to-back pairs), and the cache's
share of the static figure in each pair and its median.
Target: through the cache at least 0.9x the static file. wrk shares the 2 cores: compare ratios.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.deploy.test_real_parts import HOST, Stack  # noqa: E402

TARGET = 0.9
# Headers nginx writes itself for a static file (or that differ by nature: a file's own ETag).
SET_BY_NGINX = {"content-type", "content-length", "date", "server", "connection", "etag", "last-modified",
                "accept-ranges", "transfer-encoding"}


def quote(value: str) -> str:
    """A header value as one nginx configuration argument."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk(url: str, seconds: int) -> tuple[float, str]:
    output = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-H", f"Host: {HOST}",
                             "-H", "Accept-Encoding: gzip", url], capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} failed responses")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)), re.search(
        r"^\s+99%\s+(\S+)", output, re.M).group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5, help="length of each run")
    parser.add_argument("--rounds", type=int, default=7, help="pairs of runs, cache and static back to back")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            print(f"{tool} is missing: apt-get install -y wrk nginx-light", file=sys.stderr)
            return 2
    folder = Path(tempfile.mkdtemp(prefix="kinfo-bench-nginx-"))
    stack = Stack(folder, None)
    try:
        stack.start_instance("a")
        port = stack.instances["a"]["port"]
        request = urllib.request.Request(f"http://127.0.0.1:{port}/en/", headers={"Host": HOST,
                                                                                 "Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback
            (folder / "article.html.gz").write_bytes(response.read())  # the exact bytes, gzip as served
            headers = response.headers
        # The same bytes on the wire: the body as served, with the headers the cached page carries (the app's
        # security headers and nginx's HSTS and X-Cache); a bare static file would send 500 bytes less.
        same = "".join(f"add_header {name} {quote(value)} always; " for name, value in headers.items()
                       if name.lower() not in SET_BY_NGINX)
        static = (f"location = /static-article {{ default_type {quote(headers['Content-Type'])}; {same}"
                  f'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always; '
                  f"add_header X-Cache HIT always; alias {folder}/article.html.gz; }}")
        stack.start_nginx(extra=static)
        base = f"https://127.0.0.1:{stack.port}"
        wrk(f"{base}/en/", 2)  # fill the cache
        # Rounds of back-to-back pairs, the order swapped each round: a shared machine's load drifts, and
        # each round's ratio compares two runs that saw the same load.
        cached, static_runs, ratios = [], [], []
        for number in range(args.rounds):
            pair = [("cache", f"{base}/en/"), ("static", f"{base}/static-article")]
            results = dict((name, wrk(url, args.seconds)) for name, url in (pair if number % 2 == 0 else pair[::-1]))
            cached.append(results["cache"]), static_runs.append(results["static"])
            ratios.append(results["cache"][0] / results["static"][0])
        straight = wrk(f"http://127.0.0.1:{port}/en/", args.seconds)
    finally:
        stack.stop()

    def median_run(runs):
        return sorted(runs)[len(runs) // 2]
    rows = [("through the nginx cache", *median_run(cached)),
            ("nginx, the same bytes as a static file", *median_run(static_runs)),
            ("gunicorn straight (plain HTTP)", *straight)]
    print(f"{'server (median of ' + str(args.rounds) + ' runs)':42} {'req/s':>10} {'p99':>9}")
    for name, rate, p99 in rows:
        print(f"{name:42} {rate:10.0f} {p99:>9}")
    print("cache / static per round: " + ", ".join(f"{ratio:.2f}" for ratio in ratios))
    ratio = statistics.median(ratios)
    print(f"cache / static, median = {ratio:.2f}x (target >= {TARGET}x: {'met' if ratio >= TARGET else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
