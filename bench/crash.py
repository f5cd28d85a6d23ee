"""A filesystem that fails while patients send self-checks: is everything acknowledged still there?

Each round puts a fresh instance folder on an ext4 image of its own (a loop device, mounted with
errors=remount-ro), starts `gunicorn app:app` on it — its first start, so the encryption key file is new —
and sends consented self-checks from several clients at once. Part-way through, it forces a filesystem error
(/sys/fs/ext4/<device>/trigger_fs_error): ext4 goes read-only at once and whatever was written but not yet
synced never reaches the disk, as in a crash or a power cut. Then it stops the server, unmounts, runs
fsck.ext4 -y, mounts the image again and counts:

- acknowledged: self-checks whose reference code a patient saw;
- stored: references in the database after the repair; lost = acknowledged but not stored;
- the key file: present, whole and able to read the database (a key lost here makes every stored
  self-check unreadable).

Needs root (losetup, mount) and a kernel with loop devices; run it on a machine of its own, not inside the
test suite. Prints figures; exits 1 if anything acknowledged was lost or the key file did not survive.
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.load.submit_load import UNLIMITED, LoadResult, production_server, run_load  # noqa: E402

IMAGE_SIZE = "128M"


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


@contextlib.contextmanager
def ext4_image(folder: Path):
    """A fresh ext4 filesystem on a loop device, mounted at ``folder / 'mnt'``; yields (mount point, device)."""
    image, mount_point = folder / "ext4.img", folder / "mnt"
    mount_point.mkdir()
    run("truncate", "-s", IMAGE_SIZE, str(image))
    run("mkfs.ext4", "-q", str(image))
    device = run("losetup", "--find", "--show", str(image))
    try:
        run("mount", "-o", "errors=remount-ro", device, str(mount_point))
        try:
            yield mount_point, device
        finally:
            unmount(mount_point)
    finally:
        run("losetup", "--detach", device)


def unmount(mount_point: Path) -> None:
    for _ in range(50):  # the server's processes may take a moment to let go of their files
        if subprocess.run(["mountpoint", "-q", str(mount_point)], check=False).returncode != 0:
            return
        if subprocess.run(["umount", str(mount_point)], check=False, capture_output=True).returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError(f"could not unmount {mount_point}")


def force_filesystem_error(device: str) -> None:
    Path(f"/sys/fs/ext4/{Path(device).name}/trigger_fs_error").write_text("1")


def key_file_state(instance: Path, key_check: bytes | None) -> str:
    """'ok' if the key file is whole and reads the database's key check, else what is wrong with it."""
    path = instance / "encryption.keys"
    if not path.exists():
        return "missing"
    lines = path.read_text(errors="replace").split()
    if not lines:
        return f"empty ({path.stat().st_size} bytes)"
    try:
        keys = MultiFernet([Fernet(line) for line in lines])
    except ValueError:
        return "damaged (not a Fernet key)"
    if key_check is None:
        return "whole (no key check row to try it on)"
    try:
        keys.decrypt(key_check)
    except InvalidToken:
        return "WRONG KEY (cannot read the database)"
    return "ok"


def after_repair(folder: Path, device: str) -> tuple[set[str], str, str]:
    """Unmount, repair and mount again; then (references stored, the database's state, the key file's)."""
    mount_point = folder / "mnt"
    unmount(mount_point)
    subprocess.run(["fsck.ext4", "-y", device], check=False, capture_output=True)  # exit 1: errors corrected
    run("mount", device, str(mount_point))
    instance = mount_point / "instance"
    stored, key_check, database = set(), None, "ok"
    try:
        with contextlib.closing(sqlite3.connect(instance / "kinfo.sqlite3")) as connection:
            row = connection.execute("SELECT token FROM key_check ORDER BY id LIMIT 1").fetchone()
            key_check = row[0] if row else None
            stored = {row[0] for row in connection.execute("SELECT reference FROM submission")}
    except sqlite3.DatabaseError as error:
        database = f"unreadable ({error})"
    return stored, database, key_file_state(instance, key_check)


def one_round(number: int, seconds_before_error: float, clients: int, per_client: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="kinfo-crash-") as folder_name:
        folder = Path(folder_name)
        with ext4_image(folder) as (mount_point, device):
            instance = mount_point / "instance"
            load = LoadResult()
            with production_server(workers=4, instance=instance, log=folder / "gunicorn.log", **UNLIMITED) as server:
                started = time.monotonic()

                def send() -> None:
                    result = run_load(server.port, clients=clients, per_client=per_client)
                    load.acknowledged |= result.acknowledged
                    load.statuses.update(result.statuses)
                    load.failures.extend(result.failures)

                sender = threading.Thread(target=send)
                sender.start()
                time.sleep(seconds_before_error)
                force_filesystem_error(device)
                error_at = time.monotonic() - started
                sender.join(120)
            stored, database, key_file = after_repair(folder, device)
    lost = load.acknowledged - stored
    figures = {"sent": sum(load.statuses.values()) + len(load.failures), "acknowledged": len(load.acknowledged),
               "stored": len(stored), "lost": len(lost), "stored_not_acknowledged": len(stored - load.acknowledged),
               "statuses": dict(sorted(load.statuses.items())), "database": database, "key_file": key_file}
    print(f"round {number}: error forced {error_at:.1f} s after the first start; sent {figures['sent']}, "
          f"acknowledged {figures['acknowledged']}, stored {figures['stored']}, lost {figures['lost']}, "
          f"stored but not acknowledged {figures['stored_not_acknowledged']}; statuses {figures['statuses']}; "
          f"database: {database}; key file: {key_file}")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--after", type=float, default=2.0, help="seconds of load before the filesystem error")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=150)
    args = parser.parse_args()
    rounds = [one_round(number, args.after, args.clients, args.per_client) for number in range(1, args.rounds + 1)]
    lost = sum(figures["lost"] for figures in rounds)
    keys_ok = all(figures["key_file"] == "ok" and figures["database"] == "ok" for figures in rounds)
    print(f"over {args.rounds} rounds: acknowledged {sum(f['acknowledged'] for f in rounds)}, stored "
          f"{sum(f['stored'] for f in rounds)}, lost {lost}; database readable and key file whole and right in "
          f"{sum(f['key_file'] == 'ok' and f['database'] == 'ok' for f in rounds)} of {args.rounds}")
    return 0 if lost == 0 and keys_ok else 1


if __name__ == "__main__":
    sys.exit(main())
