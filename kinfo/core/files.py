"""Files of the instance folder: private to the account that runs the site, and written so that a crash or a
full disk leaves the old file or the new one, never an empty or half-written one."""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    """Create ``path`` (and its parents) readable by this account only; an existing folder that others may
    read or enter loses those rights. Nothing is ever added: a folder made read-only on purpose stays so."""
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    keep_private(path)
    return path


def private_instance_folder(path: Path) -> Path:
    """The instance folder made private, and every file in it (files an older version left 0644 included)."""
    private_folder(path)
    for entry in path.iterdir():
        if entry.is_file():
            keep_private(entry)
    return path


def keep_private(path: Path) -> None:
    """Take group and other rights away from ``path`` if it exists (a file an older version made 0644)."""
    try:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            path.chmod(mode & ~0o077)
    except FileNotFoundError:
        pass
    except PermissionError:  # owned by another account (an operator's own file): theirs to set
        pass


def create_private(path: Path) -> None:
    """Create an empty file with mode 0600 unless it exists. SQLite then gives its -wal and -shm files the
    same mode as the database file, so a database made here is private from its first byte."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    keep_private(path)


def sync_folder(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable (the folder's entry is data too)."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that after any crash it holds either its old content or the whole new
    one: a private temporary file beside it is written and synced, renamed over it, and the folder synced.

    A failure at any step removes the temporary file and raises; the old file is untouched."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    sync_folder(path.parent)


def owner(path: Path | None = None) -> str:
    """The name of ``path``'s owner, or of the user running this process (for messages about permissions)."""
    uid = path.stat().st_uid if path is not None else os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"user {uid}"
