"""deploy/kinfo-flask runs a kinfo command the way the site runs: in its folder, with the settings file the
systemd units read (quoted values, spaces and all), as the site's user, so what it creates stays private."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
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
    env.update(APP_DIR=str(ROOT), ENV_FILE=str(settings), SERVICE_USER=pwd.getpwuid(os.geteuid()).pw_name,
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


def test_kinfo_flask_becomes_the_sites_user_with_its_settings_and_a_private_umask(tmp_path):
    """As root (the README's way, and cron's, with cron's short PATH) it switches to the site's user; run by
    anyone else it can only stay who it is. A stand-in for flask says who ran it, with what."""
    site_user = "nobody" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    folder = Path(tempfile.mkdtemp(prefix="kinfo-flask-"))  # one the site's user can enter
    try:
        folder.chmod(0o755)
        stand_in = folder / "flask"
        stand_in.write_text('#!/bin/sh\necho "$(id -un) $(umask) [$KINFO_CLINIC_NAME] $*"\n')
        stand_in.chmod(stand_in.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH | stat.S_IROTH)
        settings = tmp_path / "kinfo.env"
        settings.write_text("KINFO_CLINIC_NAME=\"St. Mary's Infusion Center\"\n")
        env = {"PATH": "/usr/bin:/bin", "APP_DIR": str(folder), "ENV_FILE": str(settings),
               "SERVICE_USER": site_user, "FLASK": str(stand_in)}
        result = subprocess.run([str(ROOT / "deploy" / "kinfo-flask"), "submissions", "purge"], env=env,
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"{site_user} 0077 [St. Mary's Infusion Center] --app app submissions purge"
    finally:
        shutil.rmtree(folder)
