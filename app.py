"""Entry point for `flask --app app` and `gunicorn app:app`."""
import sys

from kinfo import create_app
from kinfo.core.config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as error:
    if "gunicorn" in sys.modules:
        raise  # gunicorn stops on an exception in a booting worker; an exit would only start another one
    # A flask command (`check`, `purge`, …): the reason in one line, not a traceback.
    sys.exit(f"BLOCKER {error}")
