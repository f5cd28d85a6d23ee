"""Throughput of the article page: the production server beside nginx serving the same bytes.

Prints req/s and p99 latency under `wrk -t2 -c32 -d10s` for
  * `gunicorn app:app` (the README's production command) with kinfo's page cache,
  * the same server rendering the page on every request (the page cache off): the plain Flask baseline,
  * nginx serving the identical HTML as a static file.
Target: the app at least 3x a render-per-request Flask page. wrk shares the 2 cores: compare ratios.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import urllib.request

from _servers import gunicorn, nginx_serving

TARGET_RATIO = 3.0


def run_wrk(url: str, seconds: int) -> tuple[float, str, int]:
    output = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", url],
                            capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rate, p99, int(errors.group(1)) if errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--path", default="/en/")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            print(f"{tool} is missing: apt-get install -y wrk nginx-light", file=sys.stderr)
            return 2
    results = {}
    with gunicorn() as base:
        body = urllib.request.urlopen(base + args.path).read()
        run_wrk(base + args.path, 2)  # warm up every worker's page cache
        results["kinfo (gunicorn, page cache)"] = run_wrk(base + args.path, args.seconds)
    with gunicorn(PAGE_CACHE="false") as base:
        results["plain Flask render per request"] = run_wrk(base + args.path, args.seconds)
    with nginx_serving({"page.html": body}) as base:
        results["nginx, same bytes, static"] = run_wrk(base + "/page.html", args.seconds)

    print(f"article page {args.path}: {len(body)} bytes, wrk -t2 -c32 -d{args.seconds}s")
    print(f"{'server':<34}{'req/s':>10}{'p99':>10}{'non-2xx':>9}")
    for name, (rate, p99, errors) in results.items():
        print(f"{name:<34}{rate:>10.0f}{p99:>10}{errors:>9}")
    app_rate = results["kinfo (gunicorn, page cache)"][0]
    plain = results["plain Flask render per request"][0]
    nginx = results["nginx, same bytes, static"][0]
    ratio = app_rate / plain
    verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
    print(f"kinfo / plain render: {ratio:.1f}x (target >= {TARGET_RATIO}x: {verdict})")
    print(f"kinfo / nginx static: {app_rate / nginx:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
