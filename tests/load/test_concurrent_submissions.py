"""Under the production server (gunicorn, 4 workers, SQLite in WAL mode), 8 patients sending 200
self-checks each at the same moment: every acknowledged reference is stored, nothing else is, no 5xx."""

from __future__ import annotations

from .submit_load import UNLIMITED, production_server, run_load, stored_references


def test_concurrent_submissions_are_all_stored_exactly_once():
    with production_server(workers=4, **UNLIMITED) as (port, instance, _env, _pid):
        result = run_load(port, clients=8, per_client=200)
        stored = stored_references(instance)
    print(f"{sum(result.statuses.values())} submissions in {result.seconds:.1f} s "
          f"({sum(result.statuses.values()) / result.seconds:.0f}/s), statuses {result.statuses}")
    assert result.failures == []
    assert not any(status >= 500 for status in result.statuses)
    assert result.statuses == {200: 1600}
    assert result.acknowledged == stored
    assert len(stored) == 1600
