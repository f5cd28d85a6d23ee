"""The instance folder: the encryption key file survives a crash or a full disk at any moment, a damaged
one stops the app with a message that says what to do, and everything in the folder is private."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet

from kinfo import create_app
from kinfo.core import encryption, files
from kinfo.core.config import PROJECT_ROOT, ConfigurationError

from ..conftest import TEST_SECRET
from ..selfcheck_helpers import answers, new_key, reference_in, submit


def bare_app(instance: Path) -> SimpleNamespace:
    """What encryption.load_keys needs of an app: no configured keys, an instance folder."""
    return SimpleNamespace(config={}, instance_path=str(instance))


def key_lines(path: Path) -> list[str]:
    return path.read_text().split()


def assert_whole_key_file(path: Path, before: list[str] | None) -> None:
    """The file is absent (only if it was before), or holds the old keys, or the old keys behind a new one:
    never empty, never half a key."""
    if not path.exists():
        assert before is None, "the key file was lost"
        return
    keys = key_lines(path)
    assert keys, "the key file is empty"
    for key in keys:
        Fernet(key)  # each line a whole, valid key
    assert keys == before or keys[1:] == (before or []), keys
    assert not list(path.parent.glob(".encryption.keys.*.tmp")), "a temporary file was left behind"


class Interrupted(RuntimeError):
    """Stands for the process dying at this step."""


def _half_written_then_full(real_fdopen):
    def fdopen(descriptor, *args, **kwargs):
        handle = real_fdopen(descriptor, *args, **kwargs)
        real_write = handle.write

        def write(text):
            real_write(text[: len(text) // 2])
            handle.flush()
            raise OSError(28, "No space left on device")

        handle.write = write
        return handle

    return fdopen


def interrupt(monkeypatch, step: str) -> None:
    """Make the key file's write fail at ``step``, as a crash or a full disk there would."""
    if step == "write":
        monkeypatch.setattr(files.os, "fdopen", _half_written_then_full(os.fdopen))
    elif step == "sync the file":
        monkeypatch.setattr(files.os, "fsync", lambda descriptor: (_ for _ in ()).throw(Interrupted(step)))
    elif step == "rename":
        monkeypatch.setattr(files.os, "replace", lambda *args: (_ for _ in ()).throw(Interrupted(step)))
    elif step == "sync the folder":
        monkeypatch.setattr(files, "sync_folder", lambda folder: (_ for _ in ()).throw(Interrupted(step)))


STEPS = ["write", "sync the file", "rename", "sync the folder"]


@pytest.mark.parametrize("step", STEPS)
def test_a_first_key_cut_short_at_any_step_leaves_no_key_or_the_whole_key(tmp_path, monkeypatch, step):
    instance = tmp_path / "instance"
    interrupt(monkeypatch, step)
    with pytest.raises((Interrupted, OSError)):
        encryption.load_keys(bare_app(instance))
    assert_whole_key_file(instance / "encryption.keys", None)
    monkeypatch.undo()
    keys = encryption.load_keys(bare_app(instance))  # the next start goes on with what is there, or a new key
    assert keys == key_lines(instance / "encryption.keys") and len(keys) == 1


@pytest.mark.parametrize("step", STEPS)
def test_a_rotation_cut_short_at_any_step_leaves_the_old_keys_or_the_new_list(tmp_path, monkeypatch, step):
    instance = tmp_path / "instance"
    before = encryption.load_keys(bare_app(instance))
    interrupt(monkeypatch, step)
    with pytest.raises((Interrupted, OSError)):
        encryption.add_new_key_to_instance_file(bare_app(instance))
    assert_whole_key_file(instance / "encryption.keys", before)
    monkeypatch.undo()
    assert before[0] in encryption.load_keys(bare_app(instance)), "data written with the old key stays readable"


WRITE_WITH_A_FULL_DISK = """
import resource, signal, sys
from types import SimpleNamespace
from kinfo.core import encryption
app = SimpleNamespace(config={}, instance_path=sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing us
resource.setrlimit(resource.RLIMIT_FSIZE, (30, 30))  # a disk that fills up 30 bytes into any file
try:
    (encryption.add_new_key_to_instance_file if sys.argv[2] == "rotate" else encryption.load_keys)(app)
except OSError as error:
    print("failed:", error)
"""


@pytest.mark.parametrize("what", ["create", "rotate"])
def test_a_disk_that_fills_up_mid_write_never_leaves_a_broken_key_file(tmp_path, what):
    """A real failed write (the file size limit stands in for a full disk), in a process of its own."""
    instance = tmp_path / "instance"
    before = encryption.load_keys(bare_app(instance)) if what == "rotate" else None
    result = subprocess.run([sys.executable, "-c", WRITE_WITH_A_FULL_DISK, str(instance), what], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert "failed:" in result.stdout, result.stdout + result.stderr
    assert_whole_key_file(instance / "encryption.keys", before)


@pytest.mark.parametrize(("content", "says"), [
    (b"", "is empty"),
    (b"\n  \n", "is empty"),
    (b"q7lKhB0Zc0h-Ux", "not a valid Fernet key"),  # half a key
    (b"\xff\xfe\x00garbage", "cannot be read"),
])
def test_a_damaged_key_file_stops_the_app_and_points_to_the_backup_advice(make_app, tmp_path, content, says):
    app = make_app()
    app.extensions["kinfo_db"].dispose()
    (tmp_path / "instance" / "encryption.keys").write_bytes(content)
    with pytest.raises(ConfigurationError, match=says) as stopped:
        make_app()
    message = str(stopped.value)
    assert "encryption.keys" in message and "Back up the encryption keys" in message and "README" in message
    assert (tmp_path / "instance" / "encryption.keys").read_bytes() == content, "nothing is replaced"


def test_an_unreadable_key_file_stops_the_app(make_app, tmp_path):
    app = make_app()
    app.extensions["kinfo_db"].dispose()
    key_file = tmp_path / "instance" / "encryption.keys"
    key_file.unlink()
    key_file.mkdir()  # root reads any file whatever its mode; a folder in its place cannot be read as one
    with pytest.raises(ConfigurationError, match="cannot be read.*Back up the encryption keys"):
        make_app()


def test_the_readme_has_the_backup_advice_the_message_points_to():
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("### Back up the encryption keys", 1)[1].split("\n#", 1)[0]
    assert "encryption.keys" in section and "KINFO_ENCRYPTION_KEYS" in section and "rotate-key" in section


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_instance_folder_and_every_file_in_it_are_private(tmp_path):
    instance = tmp_path / "instance"
    app = create_app({"ENV": "development"}, instance_path=str(instance))  # development: makes secret_key
    client = app.test_client()
    assert reference_in(submit(client, answers(), consent=True, key=new_key()).get_data(as_text=True))
    names = {path.name for path in instance.iterdir()}
    assert {"kinfo.sqlite3", "kinfo.sqlite3-wal", "kinfo.sqlite3-shm", "encryption.keys", "secret_key"} <= names
    assert mode(instance) == 0o700
    for path in instance.iterdir():
        assert mode(path) == 0o600, f"{path.name} is {oct(mode(path))}"
    app.extensions["kinfo_db"].dispose()


def test_files_an_older_version_left_open_to_others_are_made_private_at_start(tmp_path):
    instance = tmp_path / "instance"
    create_app({"ENV": "test", "SECRET_KEY": TEST_SECRET}, instance_path=str(instance)).extensions["kinfo_db"].dispose()
    instance.chmod(0o755)
    for name in ("kinfo.sqlite3", "encryption.keys"):
        (instance / name).chmod(0o644)
    create_app({"ENV": "test", "SECRET_KEY": TEST_SECRET}, instance_path=str(instance)).extensions["kinfo_db"].dispose()
    assert mode(instance) == 0o700
    assert mode(instance / "kinfo.sqlite3") == 0o600 and mode(instance / "encryption.keys") == 0o600
