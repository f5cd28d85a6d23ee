"""Self-check submissions per second under the production server, and how many were lost.

8 clients x 200 consented submissions at once against `gunicorn app:app` with 4 workers on SQLite (WAL),
repeated for several rounds against the same server (this machine's speed drifts by a fifth from minute to
minute, so one round alone says little). Lost = acknowledged to a patient but not in the database, or stored
but never acknowledged. Target: at least 500 submissions/s, 0 lost.

The load generator runs on the same 2 cores as the server, so the CPU each side used per submission is
printed too: the server's share is what a real deployment (patients on their own phones) would pay.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.load.submit_load import (  # noqa: E402
    UNLIMITED,
    cpu_seconds,
    production_server,
    run_load,
    stored_references,
)

TARGET_RATE = 500
CLIENTS, PER_CLIENT = 8, 200


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    rates, server_cpu, client_cpu, statuses, failures = [], [], [], {}, []
    acknowledged: set[str] = set()
    complete = True  # every request sent ended as a status or a recorded failure
    # The per-minute limits on stored self-checks are lifted: this measures what the server can take.
    with production_server(workers=4, **UNLIMITED) as (port, instance, _env, pid):
        run_load(port, clients=2, per_client=20)  # warm up every worker
        warm = stored_references(instance)
        for number in range(1, args.rounds + 1):
            server_before, client_before = cpu_seconds(pid), own_cpu_seconds()
            result = run_load(port, clients=CLIENTS, per_client=PER_CLIENT)
            # Only a result page with its reference code counts as a submission.
            answered = len(result.acknowledged)
            requests = sum(result.statuses.values()) + len(result.failures)
            complete = complete and requests == CLIENTS * PER_CLIENT
            rates.append(answered / result.seconds)
            server_cpu.append((cpu_seconds(pid) - server_before) / max(answered, 1) * 1000)
            client_cpu.append((own_cpu_seconds() - client_before) / max(answered, 1) * 1000)
            acknowledged |= result.acknowledged
            failures += result.failures
            for status, count in result.statuses.items():
                statuses[status] = statuses.get(status, 0) + count
            print(f"round {number}: {answered} of {requests} acknowledged in {result.seconds:.2f} s -> "
                  f"{rates[-1]:.0f}/s; CPU per submission: server {server_cpu[-1]:.2f} ms, "
                  f"load generator {client_cpu[-1]:.2f} ms")
        stored = stored_references(instance) - warm
    lost = len(acknowledged ^ stored)
    server_errors = sum(count for status, count in statuses.items() if status >= 500)
    clean = complete and lost == 0 and server_errors == 0 and not failures
    median = statistics.median(rates)
    print(f"submissions/s over {args.rounds} rounds of {CLIENTS} x {PER_CLIENT}: median {median:.0f} "
          f"(lowest {min(rates):.0f}, highest {max(rates):.0f}); at or above {TARGET_RATE}/s in "
          f"{sum(rate >= TARGET_RATE for rate in rates)} of {args.rounds} rounds")
    print(f"server CPU per submission: median {statistics.median(server_cpu):.2f} ms (upper bound with both "
          f"cores to the server alone: about {2000 / statistics.median(server_cpu):.0f}/s)")
    print(f"statuses: {statuses}; 5xx: {server_errors}; transport errors: {len(failures)}")
    print(f"acknowledged {len(acknowledged)}, stored {len(stored)}, lost {lost}"
          f"{'' if complete else '; SOME REQUESTS ARE UNACCOUNTED FOR'}")
    met = clean and median >= TARGET_RATE
    print(f"target (median >= {TARGET_RATE}/s, 0 lost, 0 5xx, 0 transport errors): {'met' if met else 'MISSED'}")
    return 0 if clean else 1  # a lost submission or a server error fails; a slow machine only reports


if __name__ == "__main__":
    sys.exit(main())
