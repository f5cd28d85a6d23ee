"""The article through the shipped nginx cache, beside nginx serving the same bytes as a static file and
gunicorn answering straight, in one run (deploy/nginx/kinfo-proxy.conf, TLS, one app instance on SQLite).

The static file is sent with the cached page's own headers, so both send the same bytes on the wire.
Prints req/s and p99 under `wrk -c32` for each (median of several back-to-back pairs), and the cache's
share of the static figure in each pair and its median.
Target: through the cache at least 0.9x the static file.

On 2 cores wrk and nginx's single worker would fight over the same cores and the ratio would scatter; so the
servers (nginx, and the app instance) are pinned to one core and wrk to the other (taskset): each has a core of
its own and the figure is nginx's own work per request. Beside each figure: the share of its core nginx's
worker and wrk used (if neither is near 100 %, other work on the machine took the rest: see the load average),
and the worker's CPU time per request, which other work disturbs least.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.deploy.test_real_parts import HOST, Stack  # noqa: E402

TARGET = 0.9
# Headers nginx writes itself for a static file (or that differ by nature: a file's own ETag).
SET_BY_NGINX = {"content-type", "content-length", "date", "server", "connection", "etag", "last-modified",
                "accept-ranges", "transfer-encoding"}


def quote(value: str) -> str:
    """A header value as one nginx configuration argument."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def stat(pid: int) -> list[str]:
    """/proc/PID/stat after the command name (which may hold spaces): state, parent, …, user and system time."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (nginx's worker, cache manager and loader; gunicorn's workers)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if int(stat(int(entry.name))[1]) == pid:
                found.append(int(entry.name))
        except (OSError, IndexError):
            continue  # gone meanwhile
    return found


def pin(pid: int, core: int | None) -> None:
    """``pid``, every process it started and all their threads onto ``core`` (None: no pinning)."""
    if core is not None:
        for process in (pid, *children(pid)):
            for _attempt in range(3):  # a thread may end while taskset walks them: try again
                result = subprocess.run(["taskset", "-apc", str(core), str(process)], capture_output=True, text=True)
                if result.returncode == 0 or not Path(f"/proc/{process}").exists():
                    break
            else:
                raise SystemExit(f"taskset could not pin {process}: {result.stderr}")


def cpu_seconds(pid: int) -> float:
    """User and system time ``pid`` has used so far."""
    fields = stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """User and system time of this process's finished children (wrk)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Run(NamedTuple):
    rate: float  # requests per second
    p99: str  # as wrk prints it
    server_busy: float | None  # share of one core the server process used (when measured)
    wrk_busy: float  # share of one core wrk used

    @property
    def microseconds_per_request(self) -> float:
        return self.server_busy / self.rate * 1e6


def wrk(url: str, seconds: int, core: int | None, server: int | None = None) -> Run:
    """One wrk run on ``core`` (None: anywhere), with the CPU the ``server`` process (if given) used meanwhile."""
    pinned = ["taskset", "-c", str(core)] if core is not None else []
    threads = 1 if core is not None else 2  # one event loop per core wrk has
    started, used, wrk_used = time.monotonic(), cpu_seconds(server) if server else 0.0, children_cpu_seconds()
    output = subprocess.run([*pinned, "wrk", f"-t{threads}", "-c32", f"-d{seconds}s", "--latency",
                             "-H", f"Host: {HOST}", "-H", "Accept-Encoding: gzip", url],
                            capture_output=True, text=True, check=True).stdout
    elapsed = time.monotonic() - started
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} failed responses")
    return Run(float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
               re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1),
               (cpu_seconds(server) - used) / elapsed if server else None,
               (children_cpu_seconds() - wrk_used) / elapsed)


def two_cores() -> tuple[int | None, int | None]:
    """(the servers' core, wrk's core): two cores this process may use; (None, None) when there are fewer."""
    allowed = sorted(os.sched_getaffinity(0))
    return (allowed[0], allowed[1]) if len(allowed) >= 2 else (None, None)


def worker_of(master: int) -> int:
    """nginx's one worker process (its master also starts a cache manager and a cache loader)."""
    for pid in children(master):
        if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"nginx: worker process"):
            return pid
    raise SystemExit("nginx has no worker process")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5, help="length of each run")
    parser.add_argument("--rounds", type=int, default=7, help="pairs of runs, cache and static back to back")
    args = parser.parse_args()
    for tool in ("wrk", "nginx", "taskset"):
        if not shutil.which(tool):
            print(f"{tool} is missing: apt-get install -y wrk nginx-light util-linux", file=sys.stderr)
            return 2
    server_core, wrk_core = two_cores()
    load_before = os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp(prefix="kinfo-bench-nginx-"))
    stack = Stack(folder, None)
    try:
        stack.start_instance("a")
        port = stack.instances["a"]["port"]
        pin(stack.instances["a"]["process"].pid, server_core)
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
        pin(stack.nginx.pid, server_core)  # the master, its one worker, the cache manager and loader
        worker = worker_of(stack.nginx.pid)
        base = f"https://127.0.0.1:{stack.port}"
        wrk(f"{base}/en/", 2, wrk_core)  # fill the cache
        # Rounds of back-to-back pairs, the order swapped each round: a shared machine's load drifts, and
        # each round's ratio compares two runs that saw the same load.
        cached, static_runs, ratios = [], [], []
        for number in range(args.rounds):
            pair = [("cache", f"{base}/en/"), ("static", f"{base}/static-article")]
            results = dict((name, wrk(url, args.seconds, wrk_core, worker))
                           for name, url in (pair if number % 2 == 0 else pair[::-1]))
            cached.append(results["cache"]), static_runs.append(results["static"])
            ratios.append(results["cache"].rate / results["static"].rate)
        straight = wrk(f"http://127.0.0.1:{port}/en/", args.seconds, wrk_core)
    finally:
        stack.stop()

    load_after = os.getloadavg()[0]

    def median_run(runs: list[Run]) -> Run:
        return sorted(runs)[len(runs) // 2]
    if server_core is None:
        print("one core only: nginx, the app and wrk share it (not pinned)")
    else:
        print(f"cores: nginx's worker (and the app instance) on core {server_core}, wrk on core {wrk_core} (taskset)")
    print(f"load average (1 min): {load_before:.2f} before, {load_after:.2f} after")
    print(f"{'server (median of ' + str(args.rounds) + ' runs)':40} {'req/s':>8} {'p99':>9} {'server CPU':>11} "
          f"{'wrk CPU':>8} {'µs/req':>7}")
    for name, run in (("through the nginx cache", median_run(cached)),
                      ("nginx, the same bytes as a static file", median_run(static_runs)),
                      ("gunicorn straight (plain HTTP)", straight)):
        server = "" if run.server_busy is None else f"{run.server_busy:.0%}"
        cost = "" if run.server_busy is None else f"{run.microseconds_per_request:.1f}"
        print(f"{name:40} {run.rate:8.0f} {run.p99:>9} {server:>11} {run.wrk_busy:8.0%} {cost:>7}")
    print("cache / static per round: " + ", ".join(f"{ratio:.2f}" for ratio in ratios))
    ratio = statistics.median(ratios)
    # When wrk, not nginx, runs out of core, both runs stop at wrk's limit and the ratio says nothing of nginx.
    client_bound = [pair for pair in zip(cached, static_runs, strict=True)
                    if any(run.server_busy is not None and run.wrk_busy > 0.95 and run.server_busy < 0.9
                           for run in pair)]
    verdict = "met" if ratio >= TARGET else "MISSED"
    if len(client_bound) * 2 > len(ratios):
        verdict = f"INCONCLUSIVE: wrk, not nginx, used up its core in {len(client_bound)} of {len(ratios)} rounds"
    print(f"cache / static, median = {ratio:.2f}x (target >= {TARGET}x: {verdict})")
    cost = statistics.median(static.microseconds_per_request / cache.microseconds_per_request
                             for cache, static in zip(cached, static_runs, strict=True))
    print(f"nginx's CPU per request, static / cache, median of the pairs = {cost:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
