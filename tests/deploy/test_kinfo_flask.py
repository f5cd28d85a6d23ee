"""deploy/kinfo-flask runs a kinfo command the way the site runs: in its folder, with the settings file the
systemd units read (quoted values, spaces and all), as the site's user, so what it creates stays private."""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .test_real_parts import ROOT

pytestmark = pytest.mark.deploy


def test_kinfo_flask_runs_the_launch_check_with_the_sites_own_settings(tmp_path):
    settings = tmp_path / "kinfo.env"
    settings.write_text(f"""# /etc/kinfo/kinfo.env, as the README shows it
KINFO_SECRET_KEY='{"s" * 48}'
KINFO_PUBLIC_BASE_URL='https://info.clinic.example.org'
KINFO_CLINIC_NAME="St. Mary's Infusion Center"
KINFO_CLINIC_PHONE='+1 503 555 0142'
KINFO_CLINIC_ADDRESS='1 Main Street, Portland'
KINFO_PROXY_COUNT=1
KINFO_INSTANCE_PATH='{tmp_path}/instance'
""")
    env = {name: value for name, value in os.environ.items() if not name.startswith("KINFO_")}
    flask = Path(sys.executable).with_name("flask")
    env.update(APP_DIR=str(ROOT), ENV_FILE=str(settings), SERVICE_USER=getpass.getuser(),
               FLASK=str(flask if flask.exists() else shutil.which("flask")))
    result = subprocess.run([str(ROOT / "deploy" / "kinfo-flask"), "check"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK      Public address: https://info.clinic.example.org" in result.stdout
    assert "still the example" not in result.stdout and "ready: no blockers" in result.stdout
    shown = subprocess.run([str(ROOT / "deploy" / "kinfo-flask"), "shell"], input="print(app.config['CLINIC_NAME'])",
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert "St. Mary's Infusion Center" in shown.stdout, shown.stdout + shown.stderr  # the apostrophe kept
    keys = tmp_path / "instance" / "encryption.keys"
    assert keys.stat().st_mode & 0o077 == 0  # the site's own, nobody else's
