"""Self-check submissions per second under the production server, and how many were lost.

8 clients x 200 consented submissions at once against `gunicorn app:app` with 4 workers on SQLite (WAL).
Lost = acknowledged to a patient but not in the database, or stored but never acknowledged.
Target: at least 500 submissions/s, 0 lost. The load generator runs on the same 2 cores.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.load.submit_load import production_server, run_load, stored_references  # noqa: E402

TARGET_RATE = 500


def main() -> int:
    with production_server(workers=4) as (port, instance, _env):
        run_load(port, clients=2, per_client=20)  # warm up every worker
        warm = stored_references(instance)
        result = run_load(port, clients=8, per_client=200)
        stored = stored_references(instance) - warm
    total = sum(result.statuses.values())
    rate = total / result.seconds
    lost = len(result.acknowledged ^ stored)
    print(f"submissions: {total} in {result.seconds:.2f} s -> {rate:.0f}/s "
          f"(target >= {TARGET_RATE}/s: {'met' if rate >= TARGET_RATE else 'MISSED'})")
    print(f"statuses: {result.statuses}; 5xx: {sum(n for s, n in result.statuses.items() if s >= 500)}; "
          f"transport errors: {len(result.failures)}")
    print(f"acknowledged {len(result.acknowledged)}, stored {len(stored)}, lost {lost}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
